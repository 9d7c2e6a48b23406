/**
 * `npm run bench`: the alert handler's cost per event and the flood figures.
 *   1. pure processing per event (unwrap, parse, classify, country, tally): no I/O at all;
 *   2. a flood of 10,000 events from 50 IPs through handlers/alert against moto and the Slack
 *      stand-in, in batches of 100: wall time, this process's CPU per event (the SDK's work
 *      included, moto's excluded: it is another process), Slack calls and DynamoDB writes;
 *   3. an enumeration burst (local/enumeration-burst: 600 calls, 360 distinct actions, 600 IPv6
 *      addresses) in Lambda's batches of 10: Slack calls and DynamoDB writes.
 * Prints numbers; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { processMessages } from '../bot/alerts/process';
import { unwrap } from '../bot/alerts/envelope';
import { classifySource, countryOf } from '../bot/alerts/source';
import { actionOf, parseTrailEvent } from '../bot/alerts/trail-event';
import { log } from '../bot/log';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { bootstrap } from '../local/bootstrap';
import { distinct, enumerationBurst } from '../local/enumeration-burst';
import { startMoto } from '../local/moto';
import { startSlackStandin } from '../local/slack-standin';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const IPS = 50;
const BATCH = 100;

function eventBody(i: number, identity: { accessKeyId: string; arn: string }): string {
  const record = {
    eventVersion: '1.08',
    eventID: randomUUID(),
    eventTime: new Date(Date.UTC(2026, 10, 23, 10) + i * 6).toISOString(),
    eventSource: 'sts.amazonaws.com',
    eventName: ['GetCallerIdentity', 'ListUsers', 'ListBuckets', 'DescribeInstances', 'GetSecretValue'][i % 5],
    awsRegion: 'us-east-1',
    sourceIPAddress: `198.51.100.${(i % IPS) + 1}`,
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: '123456789012', userName: 'ci-deploy-web', ...identity },
    requestParameters: null,
    responseElements: null,
    eventType: 'AwsApiCall',
    recipientAccountId: '123456789012',
  };
  const envelope = { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.sts', detail: record };
  return JSON.stringify({ Type: 'Notification', MessageId: randomUUID(), Message: JSON.stringify(envelope) });
}

function pureCost(): number {
  const identity = { accessKeyId: 'AKIABENCH00000000001', arn: 'arn:aws:iam::123456789012:user/svc/ci-deploy-web' };
  const bodies = Array.from({ length: 20_000 }, (_, i) => eventBody(i, identity));
  const run = () => {
    const tally = new Map<string, number>();
    for (const b of bodies) {
      const u = unwrap(b);
      if (!('records' in u)) throw new Error('bad body');
      const p = parseTrailEvent(u.records[0]);
      if (!p.ok) throw new Error(p.reason);
      classifySource(p.event);
      countryOf(p.event.sourceIp);
      tally.set(actionOf(p.event), (tally.get(actionOf(p.event)) ?? 0) + 1);
    }
  };
  run(); // warm up (and initialise the country table)
  const t0 = process.cpuUsage();
  run();
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / bodies.length;
}

/** handlers/alert's core against moto and the Slack stand-in: one canary per scenario. */
async function againstMoto() {
  const moto = await startMoto();
  const standin = await startSlackStandin();
  const table = 'bench-canaries';
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_TEAM_ID: 'T0001',
    SLACK_APP_ID: 'A0CANARY',
    SLACK_API_URL: standin.apiUrl,
    ALERT_CHANNEL_ID: 'C0BENCH',
    CANARY_TABLE: table,
    ADMIN_USER_IDS: 'U0BENCH',
    ALERT_UPDATE_SECONDS: '5',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { queueUrl } = await bootstrap({ table, region: 'us-east-1' });
  process.env.ALERT_QUEUE_URL = queueUrl;
  const { runtime } = await (await import('../handlers/alert')).ready;
  const writes = { requests: 0, items: 0 };
  runtime.store.client.middlewareStack.add(
    (next, ctx) => async (args) => {
      const input = args.input as { TransactItems?: unknown[] };
      if (/^(PutItem|UpdateItem|DeleteItem|TransactWriteItems|BatchWriteItem)Command$/.test(String(ctx.commandName))) {
        writes.requests++;
        writes.items += input.TransactItems?.length ?? 1;
      }
      return next(args);
    },
    { step: 'initialize', name: 'count-writes' },
  );
  const sqs = new SQSClient({ region: 'us-east-1' });

  /** Bodies in batches, then the delayed flushes as Lambda's poller would deliver them. */
  async function scenario(id: string, identity: { accessKeyId: string; arn: string }, bodies: string[], batch: number) {
    await runtime.store.putNewCanary({
      id,
      kind: 'aws-key',
      location: 'bench',
      owner: 'U0BENCH',
      createdAt: new Date().toISOString(),
      createdBy: 'U0BENCH',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const [slack0, writes0, cpu0, t0] = [standin.calls.length, { ...writes }, process.cpuUsage(), Date.now()];
    let failed = 0;
    let invocations = 0;
    for (let i = 0; i < bodies.length; i += batch, invocations++) {
      failed += (
        await processMessages(
          runtime,
          bodies.slice(i, i + batch).map((body, j) => ({ id: String(i + j), body })),
        )
      ).length;
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = Date.now() - t0;
    for (let idle = 0; idle < 2;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
      const msgs = out.Messages ?? [];
      if (!msgs.length) idle++;
      else {
        idle = 0;
        invocations++;
        failed += (
          await processMessages(
            runtime,
            msgs.map((m) => ({ id: m.MessageId!, body: m.Body ?? '' })),
          )
        ).length;
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    }
    return {
      wall,
      cpuPerEvent: (cpu.user + cpu.system) / bodies.length,
      invocations,
      slackCalls: standin.calls.length - slack0,
      failed,
      writes: { requests: writes.requests - writes0.requests, items: writes.items - writes0.items },
    };
  }

  const floodIdentity = { accessKeyId: 'AKIABENCH00000000001', arn: 'arn:aws:iam::123456789012:user/svc/ci-deploy-web' };
  const flood = await scenario(
    'cbench1',
    floodIdentity,
    Array.from({ length: EVENTS }, (_, i) => eventBody(i, floodIdentity)),
    BATCH,
  );
  const burstIdentity = {
    accessKeyId: 'AKIABENCH00000000002',
    arn: 'arn:aws:iam::123456789012:user/svc/build-cache-sync',
    userName: 'build-cache-sync',
  };
  const records = enumerationBurst(burstIdentity);
  const burstBodies = records.map((r) =>
    JSON.stringify({
      Type: 'Notification',
      MessageId: randomUUID(),
      Message: JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.sts',
        detail: r,
      }),
    }),
  );
  const burst = await scenario('cbench2', burstIdentity, burstBodies, 10);
  sqs.destroy();
  await standin.close();
  await moto.stop();
  return { flood, burst, burstActions: distinct(records, (r) => `${String(r.eventSource)}:${String(r.eventName)}`) };
}

log.setLogLevel('ERROR'); // the handler logs a line per batch; the bench prints a table
const pure = pureCost();
const { flood: f, burst: b, burstActions } = await againstMoto();
const rows: Array<[string, string]> = [
  ['pure processing per event (unwrap, parse, classify, country, tally)', `${pure.toFixed(1)} µs CPU`],
  [`flood: events / batches of ${BATCH}`, `${EVENTS} / ${Math.ceil(EVENTS / BATCH)}`],
  ['flood: wall time against moto (emulator time dominates)', `${(f.wall / 1000).toFixed(1)} s`],
  ['flood: handler CPU per event (SDK included, moto excluded)', `${(f.cpuPerEvent / 1000).toFixed(3)} ms`],
  ['flood: Slack calls (parent, DM, summaries, updates)', String(f.slackCalls)],
  ['flood: DynamoDB write requests / items written', `${f.writes.requests} / ${f.writes.items}`],
  ['flood: messages returned to the queue', String(f.failed)],
  [
    `enumeration burst: ${b.invocations} invocations for 600 calls, ${burstActions} actions, 600 IPv6 (batches of 10, then flushes)`,
    `${(b.wall / 1000).toFixed(1)} s`,
  ],
  ['enumeration burst: Slack calls', String(b.slackCalls)],
  ['enumeration burst: DynamoDB write requests / items written', `${b.writes.requests} / ${b.writes.items}`],
  ['enumeration burst: messages returned to the queue', String(b.failed)],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
