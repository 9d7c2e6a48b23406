import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHeartbeats } from '../../bot/heartbeat';
import { SELF_TEST_AGENT } from '../../bot/self-test';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import type { CanaryRecord } from '../../bot/model/canary';

/**
 * The scheduled heartbeat: every canary that opted in to `/canary test` makes its test call
 * (a real sts:GetCallerIdentity against the emulator); one that arrives is recorded quietly, one
 * that never does raises "Heartbeat missing" once.
 */
describe('the end-to-end heartbeat', () => {
  let h: Harness;
  const minted: CanaryRecord[] = [];
  beforeAll(async () => {
    h = await startHarness({ env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    for (const where of ['kiosk-1', 'kiosk-2']) {
      await h.command(`new ${where} --self-test`);
      await h.settle();
      const rec = (await h.store.allCanaries()).find((i) => i.location === where)!;
      minted.push((await h.store.getCanary(String(rec.id)))!);
    }
  });
  afterAll(() => h.close());

  const posts = () => h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1');

  it('makes each opted-in canary call, records the one that arrives without a word, and reports the one that never does, once', async () => {
    expect(await h.audit.handler({ task: 'heartbeat' })).toEqual({ task: 'heartbeat', problems: 0 });
    const [arrives, lost] = await Promise.all(minted.map(async (c) => (await h.store.getCanary(c.id))!));
    expect(arrives!.selfTest).toMatchObject({ by: 'heartbeat' });
    expect(lost!.selfTest).toMatchObject({ by: 'heartbeat' });

    // CloudTrail delivers the first call's event; the second one is lost somewhere on the way.
    const before = posts().length;
    const identity = {
      accessKeyId: arrives!.resource.accessKeyId!,
      arn: arrives!.resource.userArn!,
      userName: arrives!.resource.userName!,
    };
    const arrival = canaryCall(identity, { userAgent: `aws-cli/2.15 ${SELF_TEST_AGENT}/${arrives!.selfTest!.nonce}` });
    expect(await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(arrival))]))).toEqual({ batchItemFailures: [] });
    expect(posts().length).toBe(before); // quiet
    expect((await h.store.getCanary(arrives!.id))!.selfTest?.arrivedAt).toBeDefined();

    const later = Date.parse(lost!.selfTest!.at) + 31 * 60_000;
    // As the audit function, held to its role (test/support/iam).
    expect(await h.as('audit', () => checkHeartbeats(h.audit.runtime, later))).toBe(1);
    expect(await h.as('audit', () => checkHeartbeats(h.audit.runtime, later + 300_000))).toBe(0);
    const missing = posts()
      .slice(before)
      .map((p) => String(p.args.text));
    expect(missing).toHaveLength(1);
    expect(missing[0]).toContain('*Heartbeat missing*');
    expect(missing[0]).toContain(lost!.id);
  });
});
