import type { Config } from './config';
import { log } from './log';

/**
 * Posts to a Slack response_url: the way to answer a slash command privately, in any
 * conversation, for 30 minutes. The URL is a capability, so it is never logged, and only Slack's
 * own host (or the configured SLACK_API_URL host, for tests and the sandbox) is accepted.
 */
export class ResponseUrlError extends Error {
  override name = 'ResponseUrlError';
}

export function isAllowedResponseUrl(config: Config, url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'https:' && u.hostname === 'hooks.slack.com') return true;
  return config.slackApiUrl !== undefined && u.origin === new URL(config.slackApiUrl).origin;
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
