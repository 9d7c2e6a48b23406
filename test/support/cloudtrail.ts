import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { toSqsEvent } from '../../local/alert-drain';

/** Public real-world CloudTrail records (copied from ../shared/cloudtrail with their SOURCES.md, so a clone is self-contained). */
export const SAMPLES_DIR = new URL('../fixtures/cloudtrail/', import.meta.url).pathname;

export function sampleFiles(): string[] {
  const top = readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(SAMPLES_DIR, f));
  const edge = readdirSync(join(SAMPLES_DIR, 'edge'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(SAMPLES_DIR, 'edge', f));
  return [...top, ...edge];
}

export const readSample = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/**
 * A GetCallerIdentity record (edge/001, from a real detonation) re-aimed at a canary: the first
 * thing an attacker runs with a stolen key.
 */
export function canaryCall(
  identity: { accessKeyId: string; arn: string; userName: string },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = readSample(join(SAMPLES_DIR, 'edge', '001-sts-GetCallerIdentity-iamuser.json'));
  return {
    ...base,
    eventID: randomUUID(),
    eventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    awsRegion: 'us-east-1',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: '123456789012', ...identity },
    ...overrides,
  };
}

/** The EventBridge event that carries a CloudTrail record ("AWS API Call via CloudTrail"). */
export function eventBridgeEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${String(record.eventSource ?? 'sts').replace('.amazonaws.com', '')}`,
    account: '123456789012',
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

/** As the SNS -> SQS subscription delivers it (raw delivery off): the event inside a notification. */
export function snsNotificationBody(message: object): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
  });
}

/** Messages as Lambda's SQS poller hands them over (the sandbox's drain builds them the same way). */
export function sqsEvent(bodies: string[]): SQSEvent {
  return toSqsEvent(
    bodies.map((Body) => ({ MessageId: randomUUID(), ReceiptHandle: randomUUID(), Body, Attributes: { SenderId: 'AIDAEXAMPLE' } })),
    'arn:aws:sqs:us-east-1:123456789012:alerts',
    'us-east-1',
  );
}

/**
 * The real path through the emulator: publish to the SNS topic, let moto deliver to the
 * subscribed SQS queue, receive as Lambda's poller would, and hand the batch over as an SQSEvent.
 */
export async function publishAndReceive(topicArn: string, queueUrl: string, events: object[], waitSeconds = 1): Promise<SQSEvent> {
  const sns = new SNSClient({ region: 'us-east-1' });
  for (const e of events) await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(e) }));
  return receive(queueUrl, events.length, waitSeconds);
}

/** Up to `want` messages from the queue (deleted on receipt), as an SQSEvent. */
export async function receive(queueUrl: string, want: number, waitSeconds = 1): Promise<SQSEvent> {
  const sqs = new SQSClient({ region: 'us-east-1' });
  const bodies: string[] = [];
  while (bodies.length < want) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, want - bodies.length),
        WaitTimeSeconds: waitSeconds,
      }),
    );
    const msgs = out.Messages ?? [];
    if (!msgs.length) break; // nothing arrived within the wait
    bodies.push(...msgs.map((m) => m.Body ?? ''));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return sqsEvent(bodies);
}
