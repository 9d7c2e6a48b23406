import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ErrorCode } from '@slack/web-api';
import { log } from '../log';
import { ownerNotice, threadSummary } from '../views/alert';
import { renderParent } from './thread';
import { degradedParent, forgetDegraded } from './degraded';
import type { AlertRuntime } from './runtime';
import { countryOf } from './source';
import type { CanaryRecord } from '../model/canary';
import type { Incident } from '../model/incident';

/**
 * Brings Slack in line with the incident as stored. Counting happened first (persist before
 * telling Slack), so this can run any number of times, after any failure, and converge:
 *   - no parent yet: one caller wins a short lease and posts it; everyone else leaves it to them;
 *   - new calls since Slack last heard: at most one thread summary plus one parent update per
 *     interval; inside the interval a single delayed "flush" message is queued instead, so the
 *     last calls of a flood are reported even if no further event arrives.
 */
const PARENT_LEASE_MS = 30_000;

export async function reconcile(rt: AlertRuntime, seen: CanaryRecord, seq: number, now = Date.now()): Promise<void> {
  const { store, alertStore } = rt;
  // Read fresh: a responder may have acted since the batch looked the canary up.
  const [inc, canary = seen] = await Promise.all([store.getIncident(seen.id, seq), store.getCanary(seen.id)]);
  if (!inc || !inc.firstEvent) return;

  if (!inc.parent) {
    const won = await alertStore.claimParentLease(canary.id, seq, now, PARENT_LEASE_MS);
    if (!won) return scheduleFlush(rt, canary, inc, now + PARENT_LEASE_MS, now);
    let parent: { channel: string; ts: string };
    try {
      parent = await postParent(rt, canary, inc);
    } catch (err) {
      // Let the redelivery (or another Lambda) try at once instead of waiting out the lease.
      await alertStore.releaseParentLease(canary.id, seq);
      throw err;
    }
    await alertStore.recordParent(inc, parent, now);
    log.info('alert posted', { canaryId: canary.id, incident: seq, calls: inc.calls });
    await notifyOwner(rt, canary, { ...inc, parent }, now).catch((err: unknown) =>
      // The channel alert is what matters; a failed DM is logged, not retried forever.
      log.warn('could not notify the canary owner', { canaryId: canary.id, error: err instanceof Error ? err.message : String(err) }),
    );
    return;
  }

  const posted = inc.posted ?? { calls: 0, actions: {}, ips: {}, at: 0 };
  const fresh = inc.calls > posted.calls;
  if (!fresh && !inc.parentStale) return;
  const due = posted.at + rt.updateIntervalMs;
  if (now < due) return scheduleFlush(rt, canary, inc, due, now);
  const won = await alertStore.claimUpdate(canary.id, seq, posted.at, now);
  // Lost to a concurrent update, which may have read the counters before ours landed: flush later.
  if (!won) return scheduleFlush(rt, canary, inc, now + rt.updateIntervalMs, now);
  if (fresh) {
    const summary = threadSummary(inc, posted, countryOf);
    await rt.slack.chat.postMessage({
      channel: inc.parent.channel,
      thread_ts: inc.parent.ts,
      text: summary.text,
      blocks: summary.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    // Recorded before the parent update, so a failure there never repeats this summary.
    await alertStore.recordSummary(inc, now);
  }
  const parent = await renderParent(rt, canary, inc);
  await rt.slack.chat.update({ channel: inc.parent.channel, ts: inc.parent.ts, text: parent.text, blocks: parent.blocks });
  await alertStore.clearParentStale(canary.id, seq);
}

/** Slack answered and refused (message deleted, say), as opposed to not answering. */
const isSlackApiError = (err: unknown) => (err as { code?: string } | undefined)?.code === ErrorCode.PlatformError;

/** The parent: a new message, or the degraded alert posted while counting failed, made whole. */
async function postParent(rt: AlertRuntime, canary: CanaryRecord, inc: Incident): Promise<{ channel: string; ts: string }> {
  const msg = await renderParent(rt, canary, inc);
  const degraded = await degradedParent(rt, canary.id, inc.openedAt, Date.now());
  if (degraded) {
    try {
      await rt.slack.chat.update({ channel: degraded.channel, ts: degraded.ts, text: msg.text, blocks: msg.blocks });
      await forgetDegraded(rt, canary.id);
      return degraded;
    } catch (err) {
      if (!isSlackApiError(err)) throw err; // Slack unreachable: try again later, same message
      log.warn('could not update the degraded alert; posting the alert anew', {
        canaryId: canary.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  const res = await rt.slack.chat.postMessage({
    channel: rt.config.alertChannelId,
    text: msg.text,
    blocks: msg.blocks,
    unfurl_links: false,
    unfurl_media: false,
  });
  return { channel: String(res.channel), ts: String(res.ts) };
}

/** One pending flush per incident, delivered through the alert queue itself after the interval. */
async function scheduleFlush(rt: AlertRuntime, canary: CanaryRecord, inc: Incident, at: number, now: number): Promise<void> {
  if (!rt.config.alertQueueUrl) return; // no queue (direct SNS wiring): the next event flushes
  const won = await rt.alertStore.claimFlush(canary.id, inc.seq, at, now);
  if (!won) return;
  const delay = Math.min(900, Math.max(1, Math.ceil((at - now) / 1000)));
  await rt.aws.sqs.send(
    new SendMessageCommand({
      QueueUrl: rt.config.alertQueueUrl,
      MessageBody: JSON.stringify({ type: 'flush', canaryId: canary.id, seq: inc.seq }),
      DelaySeconds: delay,
    }),
  );
}

async function notifyOwner(
  rt: AlertRuntime,
  canary: CanaryRecord,
  inc: Incident & { parent: { channel: string; ts: string } },
  now: number,
): Promise<void> {
  if (!canary.owner || canary.status === 'unknown') return;
  if (!(await rt.alertStore.claimOwnerNotice(canary.id, inc.seq, now))) return;
  const link = await rt.slack.chat.getPermalink({ channel: inc.parent.channel, message_ts: inc.parent.ts });
  const dm = await rt.slack.conversations.open({ users: canary.owner });
  await rt.slack.chat.postMessage({ channel: String(dm.channel?.id), text: ownerNotice(canary, link.permalink), unfurl_links: false });
}
