import { randomUUID } from 'node:crypto';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestDisable } from '../../bot/triage/disable';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { failureRecord } from '../../local/lambda-adapter';
import { blockAction } from '../../local/slack-requests';
import { failCommand } from '../support/aws-spy';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { ADMIN, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * Every way the alert path can fail ends in a message a person sees: counting refused (a degraded
 * alert now, the full one in its place later), Slack down past the queue's retries (the sweep),
 * Slack down on the first alert (containment still happens), and a job that died holding the
 * canary (its claim expires, and the failure destination releases it and says so).
 */
describe('the alert path never fails silently', () => {
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

  const topLevel = () =>
    h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1' && !c.args.thread_ts);
  const recordedCanary = async (id: string, extra: Record<string, unknown> = {}) => {
    const identity = {
      accessKeyId: `AKIA${id.toUpperCase().padEnd(16, '0')}`,
      arn: `arn:aws:iam::123456789012:user/svc/${id}`,
      userName: id,
    };
    await h.store.putNewCanary({
      id,
      kind: 'aws-key',
      location: `${id} box`,
      owner: '',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
      ...extra,
    });
    return identity;
  };
  async function minted(location: string) {
    await h.command(`new ${location}`);
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.location === location.replace(/ --.*$/, ''))!;
    const resource = rec.resource as { userName: string; userArn: string; accessKeyId: string };
    return { id: String(rec.id), identity: { accessKeyId: resource.accessKeyId, arn: resource.userArn, userName: resource.userName } };
  }
  const keyStatus = async (userName: string) =>
    (await h.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata?.map((k) => k.Status);

  it('posts a degraded alert when counting is refused, once, and turns it into the full alert when counting recovers', async () => {
    const identity = await recordedCanary('cdegrad');
    const batch = sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity, { sourceIPAddress: '198.51.100.23' })))]);
    const before = topLevel().length;
    undo.push(
      failCommand(h.alert.runtime.store.client, 'TransactWriteItemsCommand', {
        name: 'ValidationException',
        message: 'Invalid UpdateExpression: Expression size has exceeded the maximum allowed size',
      }),
    );
    expect((await h.alert.handler(batch))!.batchItemFailures).toHaveLength(1);
    expect((await h.alert.handler(batch))!.batchItemFailures).toHaveLength(1); // the queue's retry
    const degraded = topLevel().slice(before);
    expect(degraded).toHaveLength(1);
    const text = JSON.stringify(degraded[0]!.args.blocks);
    expect(text).toContain('Degraded alert');
    expect(text).toContain('198.51.100.23');
    expect(text).toContain('ValidationException');

    undo.pop()!();
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    expect(topLevel().slice(before)).toHaveLength(1); // no second message: the degraded one became the alert
    const inc = await h.store.getIncident('cdegrad', 1);
    const [, shown] = [...h.standin.messages.entries()].find(([k]) => k === `C0ALERTS1/${inc!.parent!.ts}`)!;
    expect(JSON.stringify(shown.blocks)).toContain('*1 call*');
    expect(JSON.stringify(shown.blocks)).not.toContain('Degraded alert');
  });

  it('posts, on the scheduled sweep, an incident whose alert Slack never took while the queue retried', async () => {
    const identity = await recordedCanary('csweep1');
    const batch = sqsEvent(Array.from({ length: 3 }, () => snsNotificationBody(eventBridgeEnvelope(canaryCall(identity)))));
    h.standin.failNext('chat.postMessage', { status: 503 }, 4); // the last delivery the queue makes, and its retries
    expect((await h.alert.handler(batch))!.batchItemFailures).toHaveLength(3);
    // The queue gave up (the DLQ has them); the attacker makes no further call. Slack is back.
    expect((await h.store.getIncident('csweep1', 1))?.calls).toBe(3);
    expect((await h.store.getIncident('csweep1', 1))?.parent).toBeUndefined();
    expect(await h.alert.handler(sqsEvent([JSON.stringify({ type: 'sweep' })]))).toEqual({ batchItemFailures: [] });
    const inc = await h.store.getIncident('csweep1', 1);
    expect(inc?.parent).toBeDefined();
    expect(JSON.stringify(h.standin.messages.get(`C0ALERTS1/${inc!.parent!.ts}`)!.blocks)).toContain('*3 calls*');
  });

  it('disables the key of a canary that asks for containment on its first alert, with Slack down', async () => {
    const c = await minted('prod-bastion --auto-disable on');
    h.standin.failNext('chat.postMessage', { status: 503 }, 4);
    const batch = sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(c.identity)))]);
    expect((await h.alert.handler(batch))!.batchItemFailures).toHaveLength(1);
    expect(await keyStatus(c.identity.userName)).toEqual(['Inactive']);
    expect(await h.store.getCanary(c.id)).toMatchObject({ status: 'disabled', disabledBy: 'auto' });
    // Slack back: the alert says what containment did.
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    const inc = await h.store.getIncident(c.id, 1);
    expect(JSON.stringify(h.standin.messages.get(`C0ALERTS1/${inc!.parent!.ts}`)!.blocks)).toContain('*Disabled* by automatic containment');
  });

  it('lets a claim left by a job that died expire: the button works again', async () => {
    const c = await minted('old-laptop');
    await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(c.identity)))]));
    const ts = (await h.store.getIncident(c.id, 1))!.parent!.ts;
    // What a job that timed out leaves behind: a claim nobody will release.
    // Taken an hour ago, expired a minute ago.
    expect(await h.store.claimPending(c.id, { action: 'disable', by: 'U0GONE', ttlMs: 3_600_000 - 60_000 }, Date.now() - 3_600_000)).toBe(
      true,
    );
    await h.interact(
      blockAction({
        userId: ADMIN,
        actionId: ALERT_ACTIONS.disableKey,
        value: JSON.stringify({ canaryId: c.id, seq: 1 }),
        responseUrl: h.standin.newResponseUrl(),
        channelId: 'C0ALERTS1',
        messageTs: ts,
      }),
    );
    await h.settle();
    expect(await keyStatus(c.identity.userName)).toEqual(['Inactive']);
  });

  it('releases the claim of a job that failed in Lambda and says so in the thread, from the failure destination record', async () => {
    const c = await minted('ci-runner-9');
    await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(c.identity)))]));
    expect((await requestDisable(h.slack.runtime, c.id, 1, ADMIN)).ok).toBe(true); // the button's claim; the job never ran
    const job = { type: 'disable', jobId: randomUUID(), canaryId: c.id, seq: 1, by: ADMIN };
    const record = failureRecord(
      'jobs',
      job,
      Object.assign(new Error('Task timed out after 120.00 seconds'), { name: 'Sandbox.Timedout' }),
    );
    expect(await h.alert.handler(sqsEvent([JSON.stringify(record)]))).toEqual({ batchItemFailures: [] });
    expect((await h.store.getCanary(c.id))?.pending).toBeUndefined();
    const inc = await h.store.getIncident(c.id, 1);
    const thread = h.standin.calls
      .filter((x) => x.method === 'chat.postMessage' && x.args.thread_ts === inc!.parent!.ts)
      .map((x) => String(x.args.text));
    expect(thread.some((t) => t.includes('job for canary') && t.includes('Sandbox.Timedout') && t.includes('press again'))).toBe(true);
    const parent = JSON.stringify(h.standin.messages.get(`C0ALERTS1/${inc!.parent!.ts}`)!.blocks);
    expect(parent).toContain(ALERT_ACTIONS.disableKey); // the buttons are back
  });
});
