import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * What Lambda's SQS event source mapping does for handlers/alert: long-poll the queue, hand each
 * batch over as an SQSEvent, delete what succeeded and leave the reported failures to come back
 * after their visibility timeout (and on to the DLQ). A few pollers run side by side, as Lambda
 * scales out, so the alert path meets its own concurrency here too.
 */
export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface Drain {
  /** Batches handled so far. */
  batches(): number;
  stop(): Promise<void>;
}

export function toSqsEvent(messages: Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

export async function drainQueue(
  queueUrl: string,
  handler: SqsHandler,
  opts: { region: string; pollers?: number; onError?: (err: unknown) => void },
): Promise<Drain> {
  const sqs = new SQSClient({ region: opts.region });
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn!;
  let running = true;
  let handled = 0;
  const poll = async () => {
    while (running) {
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (!messages.length) continue;
        const res = await handler(toSqsEvent(messages, queueArn, opts.region));
        handled++;
        const failed = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        const done = messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
      } catch (err) {
        if (!running) return;
        opts.onError?.(err);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  const pollers = Array.from({ length: opts.pollers ?? 2 }, poll);
  return {
    batches: () => handled,
    stop: async () => {
      running = false;
      await Promise.all(pollers);
      sqs.destroy();
    },
  };
}
