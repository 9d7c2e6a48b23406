import { ResponseUrlError } from './errors';
import type { Config } from './config';
import { log } from './log';

/**
 * Posts to a Slack response_url: the way to answer a slash command privately, in any
 * conversation, for 30 minutes. The URL is a capability, so it is never logged. Only the URLs
 * Slack issues for this workspace's commands and interactions are accepted:
 * https://hooks.slack.com/commands/<team>/<id>/<token> and /actions/<team>/<id>/<token>. Anything
 * else on Slack's host (an incoming webhook, /services/..., into any workspace) is refused, so a
 * forged job cannot send a fresh key elsewhere. Tests and the sandbox stand Slack in at
 * SLACK_API_URL's origin, with the same paths.
 */

const RESPONSE_PATH = /^\/(?:commands|actions)\/([A-Z0-9]+)\/\d+\/[A-Za-z0-9]+$/;

export function isAllowedResponseUrl(config: Pick<Config, 'slackApiUrl' | 'teamId'>, url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const slack = u.protocol === 'https:' && u.host === 'hooks.slack.com';
  const standIn = config.slackApiUrl !== undefined && u.origin === new URL(config.slackApiUrl).origin;
  if (!(slack || standIn) || u.search || u.hash || u.username || u.password) return false;
  return config.teamId !== undefined && RESPONSE_PATH.exec(u.pathname)?.[1] === config.teamId;
}

const ATTEMPTS = 3;

export async function postToResponseUrl(config: Config, url: string, message: object): Promise<void> {
  if (!isAllowedResponseUrl(config, url)) throw new ResponseUrlError('response_url is not a Slack URL');
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let retryAfter = 0;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        redirect: 'error', // the URL was checked; where a redirect points was not
        signal: AbortSignal.timeout(5000),
      });
      status = res.status;
      retryAfter = Number(res.headers.get('retry-after') ?? 0);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch (err) {
      log.warn('response_url post failed', { attempt, error: err instanceof Error ? err.name : 'unknown' });
    }
    const retryable = status === 0 || status === 429 || status >= 500;
    if (!retryable || attempt >= ATTEMPTS) throw new ResponseUrlError(`Slack answered ${status || 'nothing'} to the response_url`);
    await new Promise((r) => setTimeout(r, Math.min(retryAfter * 1000 || 250 * attempt, 3000)));
  }
}
