import type { WebClient } from '@slack/web-api';
import type { CanaryRecord } from '../../bot/model/canary';
import { SmokeError } from './smoke-error';

/**
 * The alerts, read where responders read them: the alert channel's history (conversations.history,
 * with the bot's own token). A channel message proves the whole path, from CloudTrail to Slack,
 * where a look at the table would stop at the alert function.
 */

/** What each of Slack's refusals means for this deployment, and what to do. */
const SLACK_FIXES: Record<string, string> = {
  not_in_channel: 'the bot is not in the alert channel: /invite @canary-bot there (README, Deploying, step 4)',
  channel_not_found: 'the bot cannot see ALERT_CHANNEL_ID: check the id, and invite the bot to that channel',
  missing_scope:
    'the bot token lacks channels:history (public channel) or groups:history (private): add them from manifest.yml and reinstall the app',
  invalid_auth: 'Slack refused the bot token: put the current xoxb- token in the Slack secret (README, Deploying, step 3)',
  not_authed: 'no bot token reached Slack: put it in the Slack secret (README, Deploying, step 3)',
  token_revoked: 'the bot token was revoked: reinstall the app and put the new token in the Slack secret',
  account_inactive: 'the bot token belongs to a deactivated app or workspace: reinstall the app',
};

const slackError = (err: unknown) =>
  (err as { data?: { error?: string } }).data?.error ?? (err instanceof Error ? err.message : String(err));

/** Before anything is minted: one read of the channel, so a missing scope or invitation stops the run here. */
export async function checkChannel(slack: WebClient, channel: string): Promise<void> {
  try {
    await slack.conversations.history({ channel, limit: 1 });
  } catch (err) {
    const code = slackError(err);
    throw new SmokeError(`Slack: ${SLACK_FIXES[code] ?? `conversations.history on ${channel} failed (${code})`}`);
  }
}

export interface Alert {
  /** Seconds from the call to the message (Slack's own timestamp). */
  seconds: number;
  /** The bot could not record the event and posted what it said (bot/views/degraded-alert.ts). */
  degraded: boolean;
  /** Posted as an unknown canary: the alert path did not find the record the smoke minted. */
  unknown: boolean;
}

export interface Awaited {
  canary: CanaryRecord;
  /** When it was used (ms). */
  at: number;
}

type Message = { ts?: string; text?: string; blocks?: unknown[] };

/** The alert for one canary: its text names the canary (bot/views/alert.ts), or, for an unknown one, the blocks its key. */
function alertFor(m: Message, w: Awaited): Alert | undefined {
  const text = m.text ?? '';
  const seconds = Math.max(0, Number(m.ts) - w.at / 1000);
  if (text.startsWith(`Canary ${w.canary.id} used`)) return { seconds, degraded: /\(degraded alert\)$/.test(text), unknown: false };
  const key = w.canary.resource.accessKeyId;
  if (key && text.startsWith('Unknown canary') && JSON.stringify(m.blocks ?? []).includes(key))
    return { seconds, degraded: false, unknown: true };
  return undefined;
}

const PAGES = 10;

/**
 * Polls the channel until every canary has its alert, the deadline passes, or the run is
 * stopped; `onAlert` hears each as it is found. Only messages since the first call are read, a
 * few pages at most, so a busy channel costs a few calls per poll (conversations.history is one of
 * Slack's generous tiers, dozens of calls a minute).
 */
export async function waitForAlerts(
  slack: WebClient,
  channel: string,
  awaited: Awaited[],
  opts: { deadline: number; pollMs: number; signal: AbortSignal; onAlert: (w: Awaited, a: Alert) => void },
): Promise<Map<string, Alert>> {
  const found = new Map<string, Alert>();
  if (!awaited.length) return found;
  const oldest = String(Math.min(...awaited.map((w) => w.at)) / 1000 - 5);
  while (found.size < awaited.length && !opts.signal.aborted) {
    let cursor: string | undefined;
    for (let page = 0; page < PAGES; page++) {
      const out = await slack.conversations.history({ channel, oldest, limit: 200, ...(cursor ? { cursor } : {}) });
      for (const m of (out.messages ?? []) as Message[])
        for (const w of awaited) {
          if (found.has(w.canary.id)) continue;
          const alert = alertFor(m, w);
          if (alert) {
            found.set(w.canary.id, alert);
            opts.onAlert(w, alert);
          }
        }
      cursor = out.response_metadata?.next_cursor || undefined;
      if (!out.has_more || !cursor) break;
    }
    const wait = Math.min(opts.pollMs, opts.deadline - Date.now());
    if (found.size === awaited.length || wait <= 0) break;
    // The last wait ends at the deadline, and one more read follows it.
    await new Promise<void>((r) => {
      const t = setTimeout(r, wait);
      opts.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  }
  return found;
}
