/**
 * `npm run bench`: first-alert latency in the offline sandbox, from a CloudTrail event arriving
 * on the alert queue to the parent message posted in the channel. 20 quiet canaries, one call
 * each, one at a time; the sandbox's drain polls the queue as Lambda's event source mapping does
 * (long polling, batches of up to 10, no batching window). Prints the median and the worst.
 * Asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStore } from '../bot/store';
import { startSandbox } from '../local/sandbox/server';

const RUNS = 20;

interface State {
  messages: Array<{ channel: string; ephemeral: boolean; threadTs?: string; text?: string }>;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0 });
  const aws = { region: 'us-east-1', endpoint: sandbox.awsEndpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  const sqs = new SQSClient(aws);
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const store = createStore(ddb, 'aws-canary-bot');
  const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'aws-canary-bot-alerts' }))).QueueUrl!;
  const state = async () => (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as State;
  const took: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const id = `clat${String(i).padStart(3, '0')}`;
      const keyId = `AKIALATENCY${String(i).padStart(9, '0')}`;
      await store.putNewCanary({
        id,
        kind: 'aws-key',
        location: `bench ${i}`,
        owner: '',
        createdAt: new Date().toISOString(),
        createdBy: 'U0BENCH',
        status: 'active',
        aliases: [keyId],
        resource: {},
      });
      const record = {
        eventID: randomUUID(),
        eventTime: new Date().toISOString(),
        eventSource: 'sts.amazonaws.com',
        eventName: 'GetCallerIdentity',
        awsRegion: 'us-east-1',
        sourceIPAddress: '203.0.113.7',
        userAgent: 'aws-cli/2.15',
        userIdentity: { type: 'IAMUser', accessKeyId: keyId, arn: `arn:aws:iam::123456789012:user/svc/lat${i}`, userName: `lat${i}` },
      };
      const body = JSON.stringify({
        Type: 'Notification',
        MessageId: randomUUID(),
        Message: JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', detail: record }),
      });
      const t0 = Date.now();
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      for (;;) {
        if ((await state()).messages.some((m) => !m.ephemeral && !m.threadTs && String(m.text).includes(`Canary ${id} used`))) break;
        if (Date.now() - t0 > 30_000) throw new Error(`no alert for ${id} within 30 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      took.push(Date.now() - t0);
    }
  } finally {
    sqs.destroy();
    ddb.destroy();
    await sandbox.close();
  }
  const sorted = [...took].sort((a, b) => a - b);
  const median = (sorted[(RUNS - 1) >> 1]! + sorted[RUNS >> 1]!) / 2;
  console.log(
    `first-alert latency in the sandbox (queue -> parent posted), ${RUNS} quiet canaries: median ${median} ms, worst ${sorted.at(-1)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
