import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions } from '../aws';
import type { Core } from '../deps';

/**
 * The self-checks' work items. Work that grows with the canaries (the daily audit, the silent-use
 * net) is cut into items of at most a few hundred canaries of one account, each small enough to
 * finish well inside one invocation at the account's pace, and carried by SQS: a FIFO queue whose
 * message group is the account, consumed by the audit function. FIFO gives the bound for free (one
 * item of an account in flight at a time, so one account's pace is never shared by two Lambdas),
 * the event source's maximum concurrency bounds the accounts in flight, and an item that fails is
 * delivered again, then parked in the dead-letter queue, whose alarm reaches a person. SQS over
 * Step Functions: the audit is a bag of independent items with a counter, not a workflow, and the
 * alert path already runs on SQS. Without a queue (tests, the sandbox) the same items run in process
 * with the same bounds.
 */
export type WorkItem =
  | { type: 'audit-canaries'; runId: string; part: string; account: string; ids: string[]; attempt: number }
  | { type: 'silent-use'; sweepId: string; part: string; account: string; ids: string[]; attempt: number };

export interface WorkQueue {
  send(items: WorkItem[]): Promise<void>;
}

/** Items retried this many times (throttled each time) are findings instead: "not checked". */
export const MAX_ATTEMPTS = 5;

/** The home account's canaries have no account on record; its pace and items still need a name. */
export const groupOf = (account: string) => account || 'home';

/**
 * An item's FIFO group: its account, and its check, so the silent-use net never waits behind a
 * long audit of the same account (they share the account's pace in a process; across two Lambdas
 * an account sees at most twice IAM_CALLS_PER_SECOND while both run).
 */
const messageGroup = (item: WorkItem) => `${item.type}:${groupOf(item.account)}`;

export function sqsWorkQueue(region: string, queueUrl: string): WorkQueue {
  const sqs = new SQSClient(clientOptions(region));
  return {
    send: async (items) => {
      for (let i = 0; i < items.length; i += 10) {
        const batch = items.slice(i, i + 10);
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((item, n) => {
              const body = JSON.stringify(item);
              return {
                Id: String(n),
                MessageBody: body,
                MessageGroupId: messageGroup(item),
                // Sending the same item twice (a retried send) delivers it once.
                MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
              };
            }),
          }),
        );
        if (out.Failed?.length) throw new Error(`the work queue refused ${out.Failed.length} item(s): ${out.Failed[0]!.Code}`);
      }
    },
  };
}

let queues: { url: string; queue: WorkQueue } | undefined;
/** The deployment's work queue (CHECK_QUEUE_URL), or undefined: then the checks run in process. */
export function checkQueue(deps: Core): WorkQueue | undefined {
  const url = deps.config.checkQueueUrl;
  if (!url) return undefined;
  if (queues?.url !== url) queues = { url, queue: sqsWorkQueue(deps.config.region, url) };
  return queues.queue;
}

/**
 * The same items in process: one item per account at a time, at most `concurrency` accounts at
 * once, items sent while others run joining the queue. `drain` resolves when nothing is left.
 */
export function localWorkQueue(
  handle: (item: WorkItem, queue: WorkQueue) => Promise<void>,
  concurrency = 4,
): WorkQueue & { drain(): Promise<void> } {
  const waiting = new Map<string, WorkItem[]>();
  const busy = new Set<string>();
  const failures: unknown[] = [];
  let running = 0;
  let idle: (() => void) | undefined;
  const queue: WorkQueue & { drain(): Promise<void> } = {
    send: async (items) => {
      for (const item of items) {
        const g = messageGroup(item);
        waiting.set(g, [...(waiting.get(g) ?? []), item]);
      }
      pump();
    },
    drain: async () => {
      if (running || waiting.size) await new Promise<void>((resolve) => (idle = resolve));
      if (failures.length) throw failures.splice(0)[0];
    },
  };
  const pump = () => {
    for (const [g, items] of waiting) {
      if (running >= concurrency) break;
      if (busy.has(g)) continue;
      const item = items.shift()!;
      if (!items.length) waiting.delete(g);
      busy.add(g);
      running++;
      void handle(item, queue)
        .catch((err: unknown) => failures.push(err))
        .finally(() => {
          busy.delete(g);
          running--;
          pump();
          if (!running && !waiting.size) idle?.();
        });
    }
  };
  return queue;
}
