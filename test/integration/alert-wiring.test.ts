import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SNSEvent } from 'aws-lambda';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

const snsEvent = (messages: object[]): SNSEvent => ({
  Records: messages.map((m, i) => ({
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:alerts:sub',
    Sns: {
      Type: 'Notification',
      MessageId: `m-${i}-${Date.now()}`,
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      Subject: '',
      Message: JSON.stringify(m),
      Timestamp: new Date().toISOString(),
      SignatureVersion: '1',
      Signature: '',
      SigningCertUrl: '',
      UnsubscribeUrl: '',
      MessageAttributes: {},
    },
  })),
});

describe('alert wiring, unknown canaries and races', () => {
  let h: Harness;
  const parents = () =>
    h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1' && !c.args.thread_ts);
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
  });
  afterAll(() => h.close());

  it('accepts a direct SNS subscription; an unusable message is reported in the channel and dropped, not retried', async () => {
    const identity = { accessKeyId: 'AKIASNSDIRECT0000001', arn: 'arn:aws:iam::123456789012:user/elsewhere/x', userName: 'x' };
    await h.store.putNewCanary({
      id: 'csnsdir',
      kind: 'aws-key',
      location: 'sns wiring',
      owner: 'U0OWNER1',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    await expect(h.alert.handler(snsEvent([eventBridgeEnvelope(canaryCall(identity))]))).resolves.toBeUndefined();
    expect(JSON.stringify(parents().at(-1)?.args.blocks)).toContain('Canary used: sns wiring');
    await expect(h.alert.handler(snsEvent([{ nothing: 'here' }]))).resolves.toBeUndefined();
    expect(String(parents().at(-1)?.args.text)).toContain('cannot read (`no CloudTrail record in the payload`)');
    await expect(h.alert.handler(snsEvent([{ nothing: 'again' }]))).resolves.toBeUndefined();
    expect(String(parents().at(-1)?.args.text)).toContain('cannot read'); // once an hour: no second notice
    expect(parents().filter((p) => String(p.args.text).includes('cannot read'))).toHaveLength(1);
  });

  it('alerts on a key under the canary path that the bot never minted, as an "unknown canary"', async () => {
    const arn = `arn:aws:iam::123456789012:user${h.userPath}handmade`;
    const out = await h.alert.handler(
      sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall({ accessKeyId: 'AKIAHANDMADE00000001', arn, userName: 'handmade' })))]),
    );
    expect(out).toEqual({ batchItemFailures: [] });
    const post = parents().at(-1)!;
    expect(JSON.stringify(post.args.blocks)).toContain(`Unknown canary used: ${arn}`);
    expect(JSON.stringify(post.args.blocks)).toContain('*unknown canary*');
    const rec = (await h.scanTable()).find((i) => i.status === 'unknown');
    expect(rec).toMatchObject({ location: 'unknown: not minted by this bot', aliases: [arn] });
    const { body } = await h.command('list');
    expect(JSON.stringify(body?.blocks)).toMatch(/\*u\w{6}\* · unknown/);
  });

  it('ignores, with a log line, an event from a principal outside the canary path', async () => {
    const before = h.standin.calls.length;
    const out = await h.alert.handler(
      sqsEvent([
        snsNotificationBody(
          eventBridgeEnvelope(
            canaryCall({ accessKeyId: 'AKIAREALUSER00000001', arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice' }),
          ),
        ),
      ]),
    );
    expect(out).toEqual({ batchItemFailures: [] });
    expect(h.standin.calls.length).toBe(before);
    expect(h.logs()).toMatch(/"message":"event is not from a canary; ignored".*"arn":"arn:aws:iam::123456789012:user\/alice"/);
  });

  it('opens one incident and one parent when two Lambdas get the first events of a canary at once', async () => {
    const identity = { accessKeyId: 'AKIARACE000000000001', arn: 'arn:aws:iam::123456789012:user/svc/race', userName: 'race' };
    await h.store.putNewCanary({
      id: 'crace01',
      kind: 'aws-key',
      location: 'race',
      owner: '',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const before = parents().length;
    const batch = () => sqsEvent(Array.from({ length: 5 }, () => snsNotificationBody(eventBridgeEnvelope(canaryCall(identity)))));
    const outs = await Promise.all([h.alert.handler(batch()), h.alert.handler(batch()), h.alert.handler(batch())]);
    expect(outs).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(parents().length - before).toBe(1);
    const incidents = (await h.store.canaryHistory('crace01'))!.incidents;
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.calls).toBe(15);
  });
});
