import type { IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSilentUse } from '../../bot/checks/silent-sweep';
import { suppress } from '../../bot/triage/suppress';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * The silent-use net on simulated time: IAM's LastUsedDate is what the test says it is (a stand-in
 * for GetAccessKeyLastUsed; the real call against the emulator is in audit-and-silent-use), the
 * state and the explanations are the real ones in the emulator. An attacker who keeps using the
 * key is caught on the first unexplained use; the bot's own test call and a suppressed source's
 * logged calls explain the key's use and raise nothing.
 */
describe('the silent-use net', () => {
  let h: Harness;
  const GRACE_S = 900;
  beforeAll(async () => {
    h = await startHarness({ env: { SILENT_USE_GRACE_SECONDS: String(GRACE_S), POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  });
  afterAll(() => h.close());

  let lastUsed: Date | undefined;
  let service = 'sqs';
  const iam = {
    send: async () => ({ AccessKeyLastUsed: lastUsed ? { LastUsedDate: lastUsed, ServiceName: service, Region: 'eu-west-1' } : {} }),
  } as unknown as IAMClient;
  const poll = (now: number) =>
    // As the audit function: the store's calls are held to its role (IAM is this test's stand-in).
    h.as('audit', () =>
      checkSilentUse({ config: h.audit.runtime.config, store: h.store, aws: { iam }, slack: h.audit.runtime.slack }, now),
    );
  const canary = async (id: string, extra: Record<string, unknown> = {}) => {
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
      resource: { accessKeyId: identity.accessKeyId },
      ...extra,
    });
    return identity;
  };
  // Only one canary is active at a time here: retire the previous one.
  const retire = (id: string) => h.store.markRetired(id, 'test', new Date().toISOString());

  it('alerts on the first unexplained use while the key keeps being used: a call every 10 minutes for 6 hours', async () => {
    await canary('csteady');
    const t0 = Date.parse('2026-11-24T00:00:00Z');
    let raised = 0;
    let firstAlertAt: number | undefined;
    for (let now = t0; now <= t0 + 6 * 3600_000; now += 5 * 60_000) {
      lastUsed = new Date(t0 + Math.floor((now - t0) / 600_000) * 600_000); // the latest of the calls so far
      const n = await poll(now);
      if (n && firstAlertAt === undefined) firstAlertAt = now;
      raised += n;
    }
    expect(raised).toBeGreaterThanOrEqual(1);
    // Within the grace period and one poll of the first call, not after the key falls quiet.
    expect(firstAlertAt! - t0).toBeLessThanOrEqual(GRACE_S * 1000 + 5 * 60_000);
    await retire('csteady');
  });

  it("explains the bot's own test call (sts, within two minutes), and nothing else near it", async () => {
    const at = Date.parse('2026-11-24T08:00:00Z');
    await canary('cselft1', { selfTest: { nonce: 'abc', at: new Date(at).toISOString(), by: 'heartbeat' } });
    [service, lastUsed] = ['sts', new Date(at + 2000)];
    expect(await poll(at + 3600_000)).toBe(0);
    // The heartbeat's time is public: an attacker's silent call five minutes later still alerts.
    [service, lastUsed] = ['sqs', new Date(at + 5 * 60_000)];
    expect(await poll(at + 2 * 3600_000)).toBe(1);
    service = 'sqs';
    await retire('cselft1');
  });

  it("explains a suppressed source's logged calls, even while they continue: no silent-use alert", async () => {
    const identity = await canary('csuppr1');
    await suppress(h.store, 'csuppr1', { sourceIp: '192.0.2.10', reason: 'our scanner', by: 'U0ADMIN', at: new Date().toISOString() });
    const t0 = Date.parse('2026-11-24T09:00:00Z');
    for (let i = 0; i < 8; i++) {
      const at = t0 + i * 5 * 60_000; // the scanner calls every 5 minutes; CloudTrail logs each
      await h.alert.handler(
        sqsEvent([
          snsNotificationBody(
            eventBridgeEnvelope(canaryCall(identity, { sourceIPAddress: '192.0.2.10', eventTime: new Date(at).toISOString() })),
          ),
        ]),
      );
      lastUsed = new Date(at);
      expect(await poll(at + 60_000)).toBe(0);
    }
    expect(await poll(t0 + 3 * 3600_000)).toBe(0);
    await retire('csuppr1');
  });

  it('still alerts on a silent use long after a run of logged calls ended', async () => {
    const identity = await canary('clater1');
    const t0 = Date.parse('2026-11-24T12:00:00Z');
    await h.alert.handler(
      sqsEvent([snsNotificationBody(eventBridgeEnvelope(canaryCall(identity, { eventTime: new Date(t0).toISOString() })))]),
    );
    lastUsed = new Date(t0);
    expect(await poll(t0 + GRACE_S * 1000 + 1)).toBe(0);
    lastUsed = new Date(t0 + 3600_000); // an hour later, nothing in CloudTrail
    expect(await poll(t0 + 3600_000 + GRACE_S * 1000 + 1)).toBe(1);
    await retire('clater1');
  });
});
