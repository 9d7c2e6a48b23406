import { failedJobOf, reportJobFailure } from '../job-failure';
import { errorText } from '../errors';
import { log } from '../log';
import { inlineCode } from '../mrkdwn';
import type { Block } from '../views/blocks';
import { opsAlarmMessage } from '../views/ops-alarm';
import type { Unwrapped } from './envelope';
import { reconcile } from './reconcile';
import type { AlertRuntime } from './runtime';
import { sweep } from './sweep';

/**
 * Everything on the alert queue that is not a CloudTrail record: the bot's own control messages
 * (delayed flushes, the scheduled sweep), failed-job records from the jobs function's failure
 * destination, CloudWatch alarm notifications from the ops topics, and messages nobody can read.
 * Each is handled or reported; only a flush or a report that failed for a passing reason goes
 * back to the queue. Nothing here is retried into the DLQ for being what it is.
 */
export type Control = Exclude<Unwrapped, { records: unknown[] }>;

export async function handleControl(
  rt: AlertRuntime,
  messages: Array<{ id: string; message: Control }>,
  failed: Set<string>,
  now: number,
): Promise<void> {
  const flushes = new Map<string, string[]>();
  let sweepAsked = false;
  for (const { id, message } of messages) {
    try {
      if ('flush' in message) {
        const key = `${message.flush.canaryId}#${message.flush.seq}`;
        flushes.set(key, [...(flushes.get(key) ?? []), id]);
      } else if ('sweep' in message) sweepAsked = true;
      else if ('jobFailure' in message) {
        const job = failedJobOf(message.jobFailure.payload);
        if (job) await reportJobFailure(rt, job, message.jobFailure.reason);
        else await reportUnusable(rt, 'a failed-job record without a job', id, now);
      } else if ('alarm' in message) {
        // SNS delivers at least once; a state change is said once.
        const msg = opsAlarmMessage(message.alarm);
        await sayOnce(rt, `ALARM#${message.alarm.name}#${message.alarm.at}#${message.alarm.state}`, 7 * 24 * 3600, {
          text: msg.text,
          blocks: msg.blocks,
        });
        log.warn('pipeline alarm', { alarm: message.alarm.name, state: message.alarm.state });
      } else await reportUnusable(rt, message.error, id, now);
    } catch (err) {
      log.error('could not handle a control message; it will be redelivered', { messageId: id, error: errorText(err) });
      failed.add(id);
    }
  }
  for (const [key, ids] of flushes) {
    const [canaryId, seq] = [key.slice(0, key.lastIndexOf('#')), Number(key.slice(key.lastIndexOf('#') + 1))];
    try {
      const canary = await rt.store.getCanary(canaryId);
      if (!canary) continue;
      await rt.alertStore.clearFlush(canaryId, seq);
      await reconcile(rt, canary, seq, now);
    } catch (err) {
      log.error('flush failed; it will be redelivered', { canaryId, error: errorText(err) });
      ids.forEach((id) => failed.add(id));
    }
  }
  // The schedule comes back in minutes: a failed sweep is logged, never retried into the DLQ.
  if (sweepAsked) await sweep(rt, now).catch((err: unknown) => log.error('sweep failed', { error: errorText(err) }));
}

/**
 * A message the bot cannot read is logged whole (it is ours or AWS's, never a capability) and said
 * in the channel at most once an hour per kind of problem, then dropped: retrying cannot fix it,
 * and in the DLQ it would only keep the DLQ alarm raised and hide real losses.
 */
async function reportUnusable(rt: AlertRuntime, reason: string, messageId: string, now: number): Promise<void> {
  log.error('unusable message on the alert queue; reported and dropped', { messageId, reason });
  await sayOnce(rt, `UNUSABLE#${reason.slice(0, 200)}#${Math.floor(now / 3_600_000)}`, 2 * 3600, {
    text: `:warning: The alert queue received a message the bot cannot read (${inlineCode(reason, 200)}), first as ${inlineCode(messageId, 100)}. It was logged and dropped. Further ones within the hour are only logged.`,
  });
}

/** Posts once per key; a post that fails gives the key back, so the redelivery says it. */
async function sayOnce(rt: AlertRuntime, key: string, ttlSeconds: number, msg: { text: string; blocks?: Block[] }): Promise<void> {
  if (!(await rt.store.claimOnce(key, ttlSeconds))) return;
  try {
    await rt.slack.chat.postMessage({ channel: rt.config.alertChannelId, ...msg, unfurl_links: false, unfurl_media: false });
  } catch (err) {
    await rt.store.releaseOnce(key).catch(() => undefined);
    throw err;
  }
}
