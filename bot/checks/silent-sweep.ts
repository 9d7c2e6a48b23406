import { randomUUID } from 'node:crypto';
import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import { forCanary } from '../accounts';
import { errorName as awsErrorName } from '../errors';
import { log } from '../log';
import type { CanaryRecord } from '../model/canary';
import { judgeKeyUse } from '../silent-use';
import type { SilentUseDeps } from '../silent-use';
import { silentUseLate } from '../views/silent-use';
import { pacerFor } from './audit-run';
import { isThrottled } from './pace';
import { MAX_ATTEMPTS, checkQueue, groupOf, localWorkQueue } from './work';
import type { WorkItem, WorkQueue } from './work';

/**
 * The silent-use net in passes: every 5 minutes (the schedule) an account whose last pass finished
 * and began at least SILENT_USE_EVERY_SECONDS ago (15 minutes) gets a new one, its keys cut into parts of SWEEP_PART_SIZE read at the
 * account's pace (IAM_CALLS_PER_SECOND); so every key is read about every 15 to 20 minutes, and a
 * pass that has not finished within WINDOW_MS is said in the channel, naming the keys it had not
 * read. One read a key a pass: about 96 GetAccessKeyLastUsed events per key per day in the
 * account's CloudTrail, the bot's largest footprint (README, "What the bot costs the account").
 */
export const SWEEP_PART_SIZE = 400;
export const WINDOW_MS = 20 * 60_000;

type Item = Extract<WorkItem, { type: 'silent-use' }>;

const keyed = (c: CanaryRecord) => c.status === 'active' && c.kind === 'aws-key' && Boolean(c.resource.accessKeyId);

/** The parts of a pass, the same for the same keys: the late notice can name what a part held. */
function partsOf(ids: string[]): string[][] {
  const sorted = [...ids].sort();
  const parts: string[][] = [];
  for (let i = 0; i < sorted.length; i += SWEEP_PART_SIZE) parts.push(sorted.slice(i, i + SWEEP_PART_SIZE));
  return parts;
}

/** Active key canaries, from the list's status-and-kind index: a tick every 5 minutes reads no retired record. */
async function activeKeys(deps: SilentUseDeps): Promise<CanaryRecord[]> {
  const out: CanaryRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.canaryPage(
      { status: 'active', kind: 'aws-key' },
      { limit: 1000, ...(cursor ? { cursor } : {}), maxRead: 5000 },
    );
    out.push(...page.canaries);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The schedule's tick: new passes where due, and passes past their window said. */
export async function planSilentUse(deps: SilentUseDeps, now: number): Promise<{ items: WorkItem[]; late: number }> {
  const byAccount = new Map<string, string[]>();
  for (const c of (await activeKeys(deps)).filter(keyed)) byAccount.set(c.account ?? '', [...(byAccount.get(c.account ?? '') ?? []), c.id]);
  const sweeps = new Map((await deps.store.getSweeps([...byAccount.keys()])).map((s) => [s.account, s]));
  const items: WorkItem[] = [];
  let late = 0;
  const at = new Date(now).toISOString();
  for (const [account, ids] of byAccount) {
    const parts = partsOf(ids);
    // A pass past its window is said first (once), and then replaced by a new one.
    const s = sweeps.get(account);
    if (s && !s.completedAt && now - Date.parse(s.startedAt) > WINDOW_MS && (await deps.store.claimSweepLate(account, s.sweepId, at))) {
      const done = s.doneParts ?? new Set<string>();
      const unread = parts.flatMap((p, n) => (done.has(String(n)) ? [] : p));
      const msg = silentUseLate(account, unread.length, ids.length, unread, WINDOW_MS / 60_000);
      await deps.slack.chat.postMessage({ channel: deps.config.alertChannelId, text: msg.text, blocks: msg.blocks, unfurl_links: false });
      log.error('silent-use net behind', { account: groupOf(account), unread: unread.length, keys: ids.length });
      late++;
    }
    const sweepId = `${at}-${randomUUID().slice(0, 8)}`;
    if (
      await deps.store.claimSweep(
        { account, sweepId, startedAt: at, parts: parts.length, keys: ids.length },
        deps.config.silentUseEverySeconds * 1000,
        WINDOW_MS,
      )
    )
      parts.forEach((p, n) => items.push({ type: 'silent-use', sweepId, part: String(n), account, ids: p, attempt: 0 }));
  }
  return { items, late };
}

/** One part: its keys read at the account's pace and judged; throttled ones handed to a new part. */
export async function silentUsePart(deps: SilentUseDeps, item: Item, queue: WorkQueue, now = Date.now()): Promise<number> {
  // A part of a pass that a newer one replaced (it ran past its window) reads nothing.
  const [current] = await deps.store.getSweeps([item.account]);
  if (current && current.sweepId !== item.sweepId) return 0;
  const pacer = pacerFor(deps.config.iamCallsPerSecond);
  const retry: string[] = [];
  let raised = 0;
  for (const c of await deps.store.getCanaries(item.ids)) {
    if (!keyed(c)) continue;
    await pacer.take(groupOf(item.account));
    let used;
    try {
      used = (await forCanary(deps, c).aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: c.resource.accessKeyId })))
        .AccessKeyLastUsed;
    } catch (err) {
      if (isThrottled(err)) retry.push(c.id);
      // A key deleted by hand is the audit's finding; one bad canary must not blind the others.
      else log.warn('could not read when a canary key was last used', { canaryId: c.id, error: awsErrorName(err) });
      continue;
    }
    if (await judgeKeyUse(deps, c, used, now)) raised++;
  }
  if (retry.length && item.attempt + 1 < MAX_ATTEMPTS) {
    await deps.store.addSweepParts(item.account, item.sweepId, 1);
    await queue.send([{ ...item, part: `${item.part}.${item.attempt + 1}`, ids: retry, attempt: item.attempt + 1 }]);
  } else if (retry.length) {
    // Past every retry: the pass stays unfinished, and its window's end names these keys.
    log.error('silent-use keys throttled past every retry', { account: groupOf(item.account), keys: retry.length });
    return raised;
  }
  await deps.store.sweepPartDone(item.account, item.sweepId, item.part, new Date(now).toISOString());
  return raised;
}

/** The tick: sent to the work queue, or run here to the end (tests, the sandbox). Answers alerts raised here. */
export async function checkSilentUse(deps: SilentUseDeps, now = Date.now()): Promise<number> {
  const { items, late } = await planSilentUse(deps, now);
  const queue = checkQueue(deps);
  if (queue) {
    await queue.send(items);
    return late;
  }
  let raised = 0;
  const local = localWorkQueue(async (item, q) => {
    if (item.type === 'silent-use') raised += await silentUsePart(deps, item, q, now);
  });
  await local.send(items);
  await local.drain();
  return raised + late;
}
