import { log } from '../log';
import { degradedAlert } from '../views/degraded-alert';
import type { AlertRuntime } from './runtime';
import type { CanaryRecord } from '../model/canary';
import type { TrailEvent } from '../model/trail-event';

/**
 * When counting fails for good (a refused write, a broken permission, DynamoDB unreachable), the
 * messages go back to the queue, but a person hears at once: one "degraded" alert per canary per
 * hour, with what the event itself says. When counting recovers, the full alert takes that
 * message over (reconcile.ts adopts it) instead of posting a second one.
 *
 *   claim   pk=DEGRADED#<canaryId>  sk=ONCE   { parent?: {channel, ts}, ttl }
 *
 * If DynamoDB itself is down the claim cannot be written either; then each Lambda container says
 * it at most once per hour rather than stay silent.
 */
const DEGRADED_TTL_SECONDS = 3600;
const saidHere = new Map<string, number>();

export async function alertDegraded(
  rt: AlertRuntime,
  canary: CanaryRecord,
  events: TrailEvent[],
  reason: string,
  now: number,
): Promise<void> {
  const first = events[0];
  if (!first) return;
  try {
    let stored: boolean;
    try {
      if (!(await rt.alertStore.claimDegradedWindow(canary.id, DEGRADED_TTL_SECONDS, now))) return;
      stored = true;
    } catch {
      if (now - (saidHere.get(canary.id) ?? 0) < DEGRADED_TTL_SECONDS * 1000) return;
      stored = false;
    }
    saidHere.set(canary.id, now);
    const msg = degradedAlert(canary, first, events.length, reason);
    // An incident already alerted on: say it in its thread (and the channel), adopt nothing.
    const open =
      stored && canary.openIncident ? await rt.store.getIncident(canary.id, canary.openIncident.seq).catch(() => undefined) : undefined;
    const thread = open?.parent ? { thread_ts: open.parent.ts, reply_broadcast: true } : {};
    const res = await rt.slack.chat.postMessage({
      channel: open?.parent?.channel ?? rt.config.alertChannelId,
      text: msg.text,
      blocks: msg.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...thread,
    });
    log.warn('degraded alert posted', { canaryId: canary.id, events: events.length });
    if (stored && !open?.parent) {
      await rt.alertStore.recordDegradedParent(canary.id, { channel: String(res.channel), ts: String(res.ts) }, now);
    }
  } catch (err) {
    // Slack down as well: the messages are back on the queue; the DLQ alarm is the last word.
    log.error('could not post the degraded alert', { canaryId: canary.id, error: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * The degraded alert's message, if one is waiting for this incident's full alert: posted within
 * the hour, and no more than a minute before the incident opened (counting may have opened it
 * before it failed). An older one belongs to another incident: editing it would hide a new alert
 * up the channel. Only the holder of the incident's parent lease asks, so no two callers take it.
 */
export async function degradedParent(
  rt: AlertRuntime,
  canaryId: string,
  incidentOpenedAt: string,
  now: number,
): Promise<{ channel: string; ts: string } | undefined> {
  const posted = await rt.alertStore.getDegradedParent(canaryId, now);
  return posted && posted.postedAt >= Date.parse(incidentOpenedAt) - 60_000 ? posted.parent : undefined;
}

/** The full alert has taken the message over. */
export async function forgetDegraded(rt: AlertRuntime, canaryId: string): Promise<void> {
  await rt.alertStore.forgetDegradedParent(canaryId);
}
