import type { SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processMessages } from '../bot/alerts/process';
import { loadCountries } from '../bot/alerts/source';
import { createAlertRuntime } from '../bot/alerts/runtime';
import { loadConfig } from '../bot/config';
import { initialise } from '../bot/secrets';

/**
 * CloudTrail events, normally SQS messages from the alert queue (EventBridge -> SNS -> SQS).
 * Partial batch responses: only the failed messages return to the queue (and on to its DLQ).
 * A direct SNS subscription also works; SNS has no partial failure, so any failure fails the
 * invocation and SNS retries it (duplicates are counted once).
 */
export const ready = initialise(() => {
  const runtime = createAlertRuntime(loadConfig());
  // Init, not the first event: every alert from an IPv4 address looks its country up.
  loadCountries();
  return { runtime };
});

export const handler = async (event: SQSEvent | SNSEvent): Promise<SQSBatchResponse | void> => {
  const { runtime } = await ready;
  const records = event.Records ?? [];
  if (records.length && 'Sns' in records[0]!) {
    const failed = await processMessages(
      runtime,
      (records as SNSEvent['Records']).map((r) => ({ id: r.Sns.MessageId, body: r.Sns.Message })),
    );
    if (failed.length) throw new Error(`${failed.length} SNS message(s) could not be processed`);
    return;
  }
  const failed = await processMessages(
    runtime,
    (records as SQSEvent['Records']).map((r) => ({ id: r.messageId, body: r.body })),
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};
