import {
  CreateAccessKeyCommand,
  DeleteUserPolicyCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { blockAction } from '../../local/slack-requests';
import { failCommand } from '../support/aws-spy';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/** Each dependency failing: an honest message, bounded retries, nothing lost or half done. */
describe('failing dependencies', () => {
  let h: Harness;
  let undo: Array<() => void> = [];
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  });
  afterEach(() => {
    undo.forEach((u) => u());
    undo = [];
  });
  afterAll(() => h.close());

  async function minted(location: string) {
    const { responseUrl } = await h.command(`new ${location}`);
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.location === location)!;
    return { canary: (await h.store.getCanary(String(rec.id)))!, responseUrl };
  }
  const lastReply = (url: string) => h.standin.calls.filter((c) => c.method === 'response_url' && url.endsWith(c.responseUrlId!)).at(-1);

  it('DynamoDB throttling in the alert path returns the messages to the queue; redelivery counts them once', async () => {
    const identity = { accessKeyId: 'AKIATHROTTLE00000001', arn: 'arn:aws:iam::123456789012:user/x/y', userName: 'y' };
    await h.store.putNewCanary({
      id: 'cthrott',
      kind: 'aws-key',
      location: 'throttled',
      owner: '',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const batch = sqsEvent(Array.from({ length: 3 }, () => snsNotificationBody(eventBridgeEnvelope(canaryCall(identity)))));
    undo.push(failCommand(h.alert.runtime.store.client, 'TransactWriteItemsCommand', { name: 'ProvisionedThroughputExceededException' }));
    expect((await h.alert.handler(batch))!.batchItemFailures).toHaveLength(3);
    undo.pop()!();
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] }); // and a duplicate delivery
    expect((await h.store.getIncident('cthrott', 1))?.calls).toBe(3);
  });

  it('Slack answering invalid_auth: the alert goes back to the queue, then posts once when Slack recovers', async () => {
    const identity = { accessKeyId: 'AKIAINVALIDAUTH00001', arn: 'arn:aws:iam::123456789012:user/x/z', userName: 'z' };
    await h.store.putNewCanary({
      id: 'cinvaut',
      kind: 'aws-key',
      location: 'bad token',
      owner: '',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const batch = sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity)))]);
    h.standin.failNext('chat.postMessage', { error: 'invalid_auth' });
    expect((await h.alert.handler(batch))!.batchItemFailures).toHaveLength(1);
    expect(h.logs()).toMatch(/alert processing failed.*invalid_auth/);
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    const posted = [...h.standin.messages.values()].filter((m) => JSON.stringify(m.blocks ?? '').includes('Canary used: bad token'));
    expect(posted).toHaveLength(1); // the refused attempt posted nothing
  });

  it('IAM LimitExceeded on keys: rotate says so, releases the canary and keeps the old key', async () => {
    const { canary } = await minted('limit-box');
    await h.iam.send(new CreateAccessKeyCommand({ UserName: canary.resource.userName! })); // a second key, made by hand: IAM allows two
    const { responseUrl } = await h.command(`rotate ${canary.id}`);
    await h.settle();
    expect(String(lastReply(responseUrl)?.args.text)).toMatch(
      /Could not rotate `\w+`: `LimitExceeded.*The old key still works as before\./,
    );
    expect((await h.store.getCanary(canary.id))!.pending).toBeUndefined();
    const keys = (await h.iam.send(new ListAccessKeysCommand({ UserName: canary.resource.userName! }))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => k.AccessKeyId)).toContain(canary.resource.accessKeyId);
  });

  it('NoSuchEntity when a person deleted the user: disable records it honestly, rotate explains', async () => {
    const { canary } = await minted('deleted-by-hand');
    const userName = canary.resource.userName!;
    const keys = (await h.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
    for (const k of keys) await h.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: k.AccessKeyId! }));
    await h.iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: 'baseline' }));
    await h.iam.send(new DeleteUserCommand({ UserName: userName }));
    const { responseUrl } = await h.command(`rotate ${canary.id}`);
    await h.settle();
    expect(String(lastReply(responseUrl)?.args.text)).toMatch(/Could not rotate .*NoSuchEntity.*The old key still works as before/);
    // an alert for it, then Disable key
    const identity = { accessKeyId: canary.resource.accessKeyId!, arn: canary.resource.userArn!, userName };
    await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity)))]));
    const inc = await h.store.getIncident(canary.id, 1);
    await h.interact(
      blockAction({
        userId: 'UADMIN001',
        actionId: ALERT_ACTIONS.disableKey,
        value: JSON.stringify({ canaryId: canary.id, seq: 1 }),
        responseUrl: h.standin.newResponseUrl(),
        channelId: 'C0ALERTS1',
        messageTs: inc!.parent!.ts,
      }),
    );
    await h.settle();
    expect(await h.store.getCanary(canary.id)).toMatchObject({ status: 'disabled' });
    expect(
      h.standin.calls.some(
        (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('no longer exists in IAM (deleted by hand)'),
      ),
    ).toBe(true);
    // What AWS answers a path-scoped role on a deleted user: AccessDenied, not NoSuchEntity (IAM
    // names a user it cannot find without its path). The bot tells the two apart by ListUsers.
    const refused = h.expectRefused((r) => r.authorization.resource.endsWith(`:user/${userName}`));
    expect(refused.map((r) => r.authorization.action)).toEqual(['iam:GetUser', 'iam:GetUser']);
  });

  it('a slow Slack: the form cannot open in time, and the user is told instead of left waiting', async () => {
    h.standin.failNext('views.open', { delayMs: 2500 }, 2);
    const t0 = Date.now();
    const { body } = await h.command('new');
    expect(String(body?.text)).toMatch(/Could not open the form/);
    expect(Date.now() - t0).toBeLessThan(8000); // bounded: a 2 s timeout, one retry
  }, 15_000);
});
