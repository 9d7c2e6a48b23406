import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELF_TEST_AGENT } from '../../bot/self-test';
import { blockAction } from '../../local/slack-requests';
import { RETIRE_ACTION } from '../../bot/views/retire';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { deliveredSecret, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { awsEndpoint } from '../support/emulator';
import type { CanaryRecord } from '../../bot/model/canary';

describe('/canary test: the bot uses the canary key once, and the resulting alert is labelled a test', () => {
  let h: Harness;
  let canary: CanaryRecord;
  let secret: { accessKeyId: string; secretAccessKey: string };
  const sm = () =>
    new SecretsManagerClient({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
    const { responseUrl } = await h.command('new kiosk-7 --self-test');
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.location === 'kiosk-7')!;
    canary = (await h.store.getCanary(String(rec.id)))!;
    secret = deliveredSecret(h, responseUrl);
  });
  afterAll(() => h.close());

  it('says plainly at mint that a copy of the key is kept, and keeps it only in Secrets Manager', async () => {
    const reply = h.standin.calls.find((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('aws_secret_access_key'))!;
    expect(JSON.stringify(reply.args.blocks)).toContain('Self-test is on: as you asked, a copy of the key is kept in Secrets Manager');
    const stored = JSON.parse((await sm().send(new GetSecretValueCommand({ SecretId: canary.selfTestSecretArn! }))).SecretString!);
    expect(stored).toEqual(secret);
    expect(JSON.stringify(await h.scanTable())).not.toContain(secret.secretAccessKey);
    expect(h.logs()).not.toContain(secret.secretAccessKey);
  });

  it('names the copy like any application secret: nothing in its name, description or tags says canary, test or the canary id', async () => {
    const described = await sm().send(new DescribeSecretCommand({ SecretId: canary.selfTestSecretArn! }));
    expect(described.Name).toMatch(/^app\/credentials\/[0-9a-f]{12}$/);
    const visible = JSON.stringify({ name: described.Name, description: described.Description, tags: described.Tags });
    for (const tell of [/canary/i, /test/i, /decoy/i, /aws-canary-bot/i, new RegExp(canary.id)]) expect(visible).not.toMatch(tell);
  });

  it('makes a real sts:GetCallerIdentity call with the canary key (against the emulator)', async () => {
    const { responseUrl } = await h.command(`test ${canary.id}`);
    await h.settle();
    const reply = h.standin.calls.filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!)).at(-1)!;
    expect(String(reply.args.text)).toMatch(/Test call made with canary `\w+`'s key at \d\d:\d\d:\d\d UTC \(sts:GetCallerIdentity\)/);
    const used = (await h.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: secret.accessKeyId }))).AccessKeyLastUsed;
    expect(used?.ServiceName).toBe('sts');
    expect((await h.store.getCanary(canary.id))!.selfTest?.nonce).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reports the arriving event as a self-test, closed, without opening an incident; a forged test agent still alerts', async () => {
    const nonce = (await h.store.getCanary(canary.id))!.selfTest!.nonce;
    const identity = { accessKeyId: secret.accessKeyId, arn: canary.resource.userArn!, userName: canary.resource.userName! };
    const before = h.standin.calls.length;
    await h.alert.handler(
      sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity, { userAgent: `aws-sdk-js/3 ${SELF_TEST_AGENT}/${nonce}` })))]),
    );
    const posted = h.standin.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
    expect(posted).toHaveLength(1);
    expect(String(posted[0]!.args.text)).toMatch(
      /:test_tube: \*Self-test of canary `\w+`\* .* arrived: `sts:GetCallerIdentity` .*works end to end\. Closed automatically\./,
    );
    expect((await h.store.canaryHistory(canary.id))!.incidents).toEqual([]);
    const mark = h.standin.calls.length;
    await h.alert.handler(
      sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity, { userAgent: `${SELF_TEST_AGENT}/0000000000000000` })))]),
    );
    const parent = h.standin.calls.slice(mark).find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1');
    expect(JSON.stringify(parent?.args.blocks)).toContain('Canary used: kiosk-7');
  });

  it('explains how to test by hand when self-test is off', async () => {
    await h.command('new kiosk-8');
    await h.settle();
    const other = (await h.store.allCanaries()).find((i) => i.location === 'kiosk-8')!;
    const { body } = await h.command(`test ${String(other.id)}`);
    expect(String(body?.text)).toContain('Self-test is off');
    expect(String(body?.text)).toContain('aws sts get-caller-identity');
  });

  it('deletes the kept copy when the canary is retired', async () => {
    const url = h.standin.newResponseUrl();
    await h.interact(
      blockAction({
        userId: 'UADMIN001',
        actionId: RETIRE_ACTION,
        value: JSON.stringify({ canaryId: canary.id, seq: 0 }),
        responseUrl: url,
        channelId: 'C0SECURITY',
        messageTs: '1.000001',
      }),
    );
    await h.settle();
    await expect(sm().send(new GetSecretValueCommand({ SecretId: canary.selfTestSecretArn! }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
