import { ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryCall, eventBridgeEnvelope, receive, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

// 3,000 keeps the suite quick; `FLOOD_EVENTS=10000` runs the full-size flood, and bench/alert.ts measures it.
const EVENTS = Number(process.env.FLOOD_EVENTS ?? 3_000);
const IPS = 50;
const BATCH = 100;

/**
 * An attacker scripting thousands of calls a minute: one parent, batched thread summaries, exact
 * totals, and few Slack calls. Batches arrive with duplicates (at-least-once delivery) and out of
 * order; throttled updates are flushed through the real queue in moto.
 */
describe(`a flood of ${EVENTS} calls from 50 IPs`, () => {
  let h: Harness;
  let canaryId: string;
  let failures = 0;
  let elapsed = 0;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '5', POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    await h.command('new build-server-7 /etc/profile.d/aws.sh');
    await h.settle();
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    const [key] = (await h.iam.send(new ListAccessKeysCommand({ UserName: user!.UserName! }))).AccessKeyMetadata ?? [];
    canaryId = String((await h.store.allCanaries())[0]!.id);
    h.standin.calls.length = 0;

    const identity = { accessKeyId: key!.AccessKeyId!, arn: user!.Arn!, userName: user!.UserName! };
    const actions = ['GetCallerIdentity', 'ListUsers', 'ListBuckets', 'DescribeInstances', 'GetSecretValue'];
    const start = Date.parse('2026-11-23T10:00:00Z');
    const bodies = Array.from({ length: EVENTS }, (_, i) =>
      snsNotificationBody(
        eventBridgeEnvelope(
          canaryCall(identity, {
            eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            eventName: actions[i % actions.length],
            sourceIPAddress: `198.51.100.${(i % IPS) + 1}`,
            eventTime: new Date(start + ((i * 7919) % EVENTS) * 6).toISOString(), // shuffled times
          }),
        ),
      ),
    );
    // Out of order, and one message in twenty delivered twice.
    const deliveries = [
      ...bodies.filter((_, i) => i % 2 === 1),
      ...bodies.filter((_, i) => i % 2 === 0),
      ...bodies.filter((_, i) => i % 20 === 0),
    ];
    const t0 = Date.now();
    for (let i = 0; i < deliveries.length; i += BATCH) {
      const out = await h.alert.handler(sqsEvent(deliveries.slice(i, i + BATCH)));
      failures += out?.batchItemFailures.length ?? 0;
    }
    // Lambda's poller, for the delayed flush messages the throttle queued.
    for (let idle = 0; idle < 2;) {
      const batch = await receive(h.resources.queueUrl, 10, 3);
      if (!batch.Records.length) idle++;
      else {
        idle = 0;
        const out = await h.alert.handler(batch);
        failures += out?.batchItemFailures.length ?? 0;
      }
    }
    elapsed = Date.now() - t0;
  }, 300_000);
  afterAll(() => h.close());

  it('counts every call exactly once, duplicates and all', async () => {
    expect(failures).toBe(0);
    const inc = await h.store.getIncident(canaryId, 1);
    expect(inc?.calls).toBe(EVENTS);
    expect(Object.keys(inc!.ips)).toHaveLength(IPS);
    expect(Object.values(inc!.ips).reduce((a, b) => a + b, 0)).toBe(EVENTS);
    expect(Object.values(inc!.actions)).toEqual(Array(5).fill(EVENTS / 5));
    expect(inc?.firstSeen).toBe('2026-11-23T10:00:00.000Z');
    expect(inc?.lastSeen).toBe(new Date(Date.parse('2026-11-23T10:00:00Z') + (EVENTS - 1) * 6).toISOString());
    const dedupeItems = (await h.scanTable()).filter((i) => String(i.pk).startsWith('EVENT#'));
    expect(dedupeItems).toHaveLength(EVENTS);
  });

  it('posts one parent, whose final totals are exact, and a handful of Slack calls in all', () => {
    const posts = h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1');
    expect(posts.filter((c) => !c.args.thread_ts)).toHaveLength(1);
    const [, parent] = [...h.standin.messages.entries()].find(([k, m]) => k.startsWith('C0ALERTS1/') && !m.thread_ts)!;
    expect(JSON.stringify(parent.blocks)).toContain(`*${EVENTS.toLocaleString('en-US')} calls* · 50 IPs · 5 actions`);
    const slackCalls = h.standin.calls.length;
    console.log(
      `flood: ${EVENTS} events (+${EVENTS / 20} duplicates) in ${elapsed} ms, ${slackCalls} Slack calls (${posts.length} posts, ${h.standin.calls.filter((c) => c.method === 'chat.update').length} updates)`,
    );
    expect(slackCalls).toBeLessThan(60);
  });
});
