import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryCall, eventBridgeEnvelope, receive, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * Slack answering 429 and 5xx: the handler waits out Retry-After, gives up after a bounded number
 * of retries and hands the messages back to the queue; redelivery then finishes the job. Every
 * event is counted once and exactly one parent is posted.
 */
describe('alerts survive a Slack outage', () => {
  let h: Harness;
  const identity = { accessKeyId: 'AKIAOUTAGE0000000001', arn: 'arn:aws:iam::123456789012:user/svc/etl-ledger', userName: 'etl-ledger' };
  const parents = () =>
    h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1' && !c.args.thread_ts);
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '1', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    await h.store.putNewCanary({
      id: 'coutage',
      kind: 'aws-key',
      location: 'ci runner',
      owner: 'U0OWNER1',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
  });
  afterAll(() => h.close());

  it('waits out a 429 with Retry-After within the same delivery', async () => {
    h.standin.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const t0 = Date.now();
    const out = await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity)))]));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(parents()).toHaveLength(1);
  });

  it('returns the messages to the queue when 5xx outlasts the retries, then recovers without losing or doubling', async () => {
    const events = Array.from({ length: 6 }, () =>
      snsNotificationBody(eventBridgeEnvelope(canaryCall(identity, { sourceIPAddress: '192.0.2.77' }))),
    );
    await new Promise((r) => setTimeout(r, 1100));
    h.standin.failNext('chat.postMessage', { status: 503 }, 4); // one call plus its three retries
    const first = await h.alert.handler(sqsEvent(events));
    expect(first?.batchItemFailures).toHaveLength(6);
    expect(h.logs()).toContain('alert processing failed; the messages will be redelivered');

    // The queue redelivers the same messages; the throttle may defer the update to a flush.
    const again = await h.alert.handler(sqsEvent(events));
    expect(again).toEqual({ batchItemFailures: [] });
    for (let idle = 0; idle < 2;) {
      const batch = await receive(h.resources.queueUrl, 10, 2);
      if (!batch.Records.length) idle++;
      else expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    }

    const inc = await h.store.getIncident('coutage', 1);
    expect(inc?.calls).toBe(7);
    expect(inc?.posted?.calls).toBe(7);
    expect(parents()).toHaveLength(1);
    const summaries = h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts);
    expect(summaries).toHaveLength(1);
    expect(JSON.stringify(summaries[0]!.args.blocks)).toContain('6 more calls');
  }, 60_000);
});
