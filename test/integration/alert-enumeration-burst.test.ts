import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinct, enumerationBurst } from '../../local/enumeration-burst';
import { eventBridgeEnvelope, receive, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { MAX_TRACKED_ACTIONS, MAX_TRACKED_IPS } from '../../bot/model/incident';

/**
 * A stolen key run through an enumeration tool, against the emulator that refuses what DynamoDB
 * refuses (local/moto_server.py: 4 KB expressions, 300 operators, 400 KB items): 600 calls, 360
 * distinct actions over 20 services and 3 regions, every one from another IPv6 address, delivered
 * as full batches. One parent, exact totals once the delayed flushes drain, nothing back on the
 * queue. Before the counting was bounded, the first batch's update passed 4 KB and the whole
 * burst went to the DLQ without a word.
 */
describe('an enumeration burst: 600 distinct calls from rotating IPv6', () => {
  let h: Harness;
  const identity = {
    accessKeyId: 'AKIABURST00000000001',
    arn: 'arn:aws:iam::123456789012:user/svc/build-cache-sync',
    userName: 'build-cache-sync',
  };
  const records = enumerationBurst(identity, { start: Date.parse('2026-11-24T03:12:00Z') });
  let failures = 0;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '1', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    await h.store.putNewCanary({
      id: 'cburst1',
      kind: 'aws-key',
      location: 'jenkins ~/.aws/credentials',
      owner: 'U0OWNER1',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const bodies = records.map((r) => snsNotificationBody(eventBridgeEnvelope(r)));
    for (let i = 0; i < bodies.length; i += 100)
      failures += (await h.alert.handler(sqsEvent(bodies.slice(i, i + 100))))?.batchItemFailures.length ?? 0;
    for (let idle = 0; idle < 2;) {
      const batch = await receive(h.resources.queueUrl, 10, 2);
      if (!batch.Records.length) idle++;
      else {
        idle = 0;
        failures += (await h.alert.handler(batch))?.batchItemFailures.length ?? 0;
      }
    }
  }, 240_000);
  afterAll(() => h.close());

  it('is the burst the issue describes', () => {
    expect(records).toHaveLength(600);
    expect(distinct(records, (r) => `${String(r.eventSource)}:${String(r.eventName)}`)).toBeGreaterThanOrEqual(100);
    expect(distinct(records, (r) => r.eventSource)).toBe(20);
    expect(distinct(records, (r) => r.awsRegion)).toBe(3);
    expect(distinct(records, (r) => r.sourceIPAddress)).toBe(600);
  });

  it('counts every call exactly once and returns nothing to the queue', async () => {
    expect(failures).toBe(0);
    const inc = (await h.store.getIncident('cburst1', 1))!;
    expect(inc.calls).toBe(600);
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    expect(sum(inc.actions)).toBe(600);
    expect(sum(inc.ips)).toBe(600);
    // Capped, the rest folded into "other", whatever the attacker sends.
    expect(Object.keys(inc.actions)).toHaveLength(MAX_TRACKED_ACTIONS);
    expect(Object.keys(inc.ips)).toHaveLength(MAX_TRACKED_IPS);
    expect(inc.actions.other).toBeGreaterThan(0);
    expect(inc.posted?.calls).toBe(600);
  });

  it('keeps the incident item far under DynamoDB 400 KB', async () => {
    const raw = (await h.store.getIncident('cburst1', 1))!;
    const bytes = Buffer.byteLength(JSON.stringify(raw));
    console.log(`enumeration burst: incident item ${bytes} bytes`);
    expect(bytes).toBeLessThan(100_000);
  });

  it('posts one parent, high severity though one user agent claims to be a scanner, with the exact total', () => {
    const parents = h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1' && !c.args.thread_ts);
    expect(parents).toHaveLength(1);
    const [, parent] = [...h.standin.messages.entries()].find(([k, m]) => k.startsWith('C0ALERTS1/') && !m.thread_ts)!;
    const text = JSON.stringify(parent.blocks);
    expect(text).toContain('*600 calls*');
    expect(text).toContain('High severity');
    console.log(`enumeration burst: ${h.standin.calls.length} Slack calls`);
  });
});
