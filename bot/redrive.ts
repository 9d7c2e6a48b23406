import {
  BatchRequestTooLong,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Config } from './config';
import { log } from './log';

/**
 * `/canary redrive`: alert messages that failed five times wait in the DLQ (and so do detections
 * EventBridge could not deliver). Once the cause is fixed, they go back to the alert queue, where
 * the handler counts them (each CloudTrail event once, whatever happened before). Messages are
 * copied, then deleted from the DLQ only when the copy was accepted: a failure part way leaves a
 * message in both queues at worst, and the dedupe counts it once.
 */
const client = (config: Config) => new SQSClient({ region: config.region, maxAttempts: 3 });

/** How many messages wait in the DLQ (approximate, as SQS counts). */
export async function dlqDepth(config: Config): Promise<number> {
  if (!config.alertDlqUrl) throw new Error('ALERT_DLQ_URL is not set');
  const sqs = client(config);
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: config.alertDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  } finally {
    sqs.destroy();
  }
}

/**
 * Sends bodies to the queue: in one batch, or one by one when the batch passes SQS's 256 KiB
 * limit for a whole batch (CloudTrail records an attacker shaped can be large). Returns the
 * indexes sent.
 */
async function sendAll(sqs: SQSClient, queueUrl: string, bodies: string[]): Promise<Set<number>> {
  try {
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })) }),
    );
    return new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
  } catch (err) {
    if (!(err instanceof BatchRequestTooLong)) throw err;
    const ok = new Set<number>();
    for (const [i, MessageBody] of bodies.entries()) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody })).then(
        () => ok.add(i),
        (e: unknown) => log.warn('redrive: a message could not be sent', { error: e instanceof Error ? e.name : String(e) }),
      );
    }
    return ok;
  }
}

/** Moves messages until the DLQ is empty or the time is up (the jobs function has 120 s). */
export async function redrive(config: Config, budgetMs = 90_000): Promise<{ moved: number; failed: number }> {
  if (!config.alertDlqUrl || !config.alertQueueUrl) throw new Error('ALERT_DLQ_URL and ALERT_QUEUE_URL must both be set');
  const sqs = client(config);
  const deadline = Date.now() + budgetMs;
  let moved = 0;
  let failed = 0;
  try {
    while (Date.now() < deadline) {
      const got =
        (
          await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: config.alertDlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
          )
        ).Messages ?? [];
      if (!got.length) break;
      const ok = await sendAll(
        sqs,
        config.alertQueueUrl,
        got.map((m) => m.Body ?? ''),
      );
      failed += got.length - ok.size;
      const done = got.filter((_, i) => ok.has(i));
      if (done.length) {
        const deleted = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: config.alertDlqUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        // Copied but still in the DLQ: a later redrive sends it again, and the dedupe counts it once.
        if (deleted.Failed?.length) log.warn('redrive: some copies stay in the DLQ too', { count: deleted.Failed.length });
      }
      moved += done.length;
    }
  } finally {
    sqs.destroy();
  }
  log.info('redrive', { moved, failed });
  return { moved, failed };
}
