import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, resetCalls, throttle, total } from '../../local/emulator-control';
import { startMoto } from '../../local/moto';
import type { Moto } from '../../local/moto';
import { awsKey } from '../../bot/kinds/aws-key';
import { auditPart, planAudit, runAudit } from '../../bot/checks/audit-run';
import { checkSilentUse } from '../../bot/checks/silent-sweep';
import { localWorkQueue } from '../../bot/checks/work';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * The self-checks at a size that needs more than one work item, with the emulator throttling IAM
 * per account as AWS does (local/moto_server.py): every canary audited and every key read, the
 * throttled calls retried later and never dropped; what throttling keeps from every attempt named
 * as not checked; a run cut short part way keeps the findings its parts made, and the next run
 * names what it missed. A moto of its own: the throttle must not slow other files.
 */
describe('the self-checks under IAM throttling', () => {
  let moto: Moto;
  let h: Harness;
  const COUNT = 130; // two audit parts (PART_SIZE 100)

  beforeAll(async () => {
    moto = await startMoto();
    // The bot's pace above the emulator's rate, so throttling happens and must be got past.
    h = await startHarness({ env: { AWS_ENDPOINT_URL: moto.url, IAM_CALLS_PER_SECOND: '200' } });
    const deps = { config: h.jobs.runtime.config, store: h.store, aws: { iam: h.jobs.runtime.aws.iam } };
    await h.as('jobs', async () => {
      for (let i = 0; i < COUNT; i++)
        await awsKey.mint(deps, {
          id: `c${String(i).padStart(4, '0')}`,
          location: `box-${i}`,
          owner: 'U0OWNER1',
          requestedBy: 'UADMIN001',
        });
    });
  }, 180_000);
  afterAll(async () => {
    await throttle(moto?.url, { rate: 0 }).catch(() => undefined);
    await h?.close();
    await moto?.stop();
  });

  it('audits every canary while IAM throttles, retrying the throttled calls instead of dropping them', async () => {
    await throttle(moto.url, { rate: 10, burst: 2, services: ['iam'] });
    await resetCalls(moto.url);
    const report = await h.as('audit', () => runAudit(h.audit.runtime));
    await throttle(moto.url, { rate: 0 });
    expect(report.canaries).toBe(COUNT);
    expect(report.findings.filter((f) => /not checked|could not be checked/.test(f.problem))).toEqual([]);
    const counted = await calls(moto.url);
    expect(counted.some((c) => c.service === 'iam' && (c.throttled ?? 0) > 0)).toBe(true);
    // Keys and password per canary; the rest in bulk (GetAccountAuthorizationDetails).
    expect(total(counted, 'iam')).toBeGreaterThanOrEqual(COUNT * 2);
  }, 120_000);

  it('reads every key in one pass of the silent-use net while IAM throttles', async () => {
    await throttle(moto.url, { rate: 40, burst: 10, services: ['iam'] });
    await resetCalls(moto.url);
    await h.as('audit', () => checkSilentUse(h.audit.runtime));
    await throttle(moto.url, { rate: 0 });
    const reads = (await calls(moto.url)).filter((c) => c.action === 'GetAccessKeyLastUsed');
    expect(reads.reduce((n, c) => n + c.count - (c.throttled ?? 0), 0)).toBeGreaterThanOrEqual(COUNT);
    const [sweep] = await h.store.getSweeps(['']);
    expect(sweep?.completedAt).toBeDefined();
    expect(sweep?.doneParts?.size).toBe(sweep?.parts);
  }, 120_000);

  it('names the canaries throttling kept from every attempt, instead of passing over them', async () => {
    await throttle(moto.url, { rate: 0.001, burst: 1, services: ['iam'] });
    const plan = await h.as('audit', () => planAudit(h.audit.runtime, new Date()));
    const queue = localWorkQueue(async (item, q) => {
      if (item.type === 'audit-canaries') await h.as('audit', () => auditPart(h.audit.runtime, { ...item, ids: item.ids.slice(0, 2) }, q));
    });
    await queue.send(plan.items.slice(0, 1));
    await queue.drain();
    await throttle(moto.url, { rate: 0 });
    const results = await h.store.runResults(plan.runId);
    const unchecked = results.flatMap((r) => r.unchecked);
    expect(unchecked.length).toBeGreaterThan(0);
    expect(results.flatMap((r) => r.findings).map((f) => f.problem)).toContainEqual(
      expect.stringMatching(/^not checked: IAM throttled every one of 5 attempts/),
    );
  }, 120_000);

  it('keeps the findings of the parts that finished when a run is cut short, and the next run names what it missed', async () => {
    // A canary with something wrong, so its part has a finding to keep.
    const [first] = await h.store.getCanaries(['c0000']);
    await h.iam.send(
      new (await import('@aws-sdk/client-iam')).CreateLoginProfileCommand({
        UserName: first!.resource.userName!,
        Password: 'Correct-Horse-9',
      }),
    );
    const plan = await h.as('audit', () => planAudit(h.audit.runtime, new Date()));
    // Only the first part runs: the function timed out before the second.
    const queue = localWorkQueue(async (item, q) => {
      if (item.type === 'audit-canaries') await h.as('audit', () => auditPart(h.audit.runtime, item, q));
    });
    await queue.send(plan.items.slice(0, 1));
    await queue.drain();
    const kept = (await h.store.runResults(plan.runId)).flatMap((r) => r.findings);
    expect(kept.map((f) => f.problem)).toContain('the user has a console password');
    const next = await h.as('audit', () => runAudit(h.audit.runtime));
    const missed = next.findings.find((f) => f.problem.startsWith('never finished'));
    expect(missed?.problem).toMatch(new RegExp(`checked 100 of ${COUNT} canaries; not checked: c0100, c0101`));
    expect(next.findings.filter((f) => f.problem === 'the user has a console password')).toHaveLength(1);
  }, 120_000);

  it('says a silent-use pass that ran past its 20 minutes, naming the keys it never read, then starts a new one', async () => {
    const start = Date.now() + 3_600_000; // after the passes above
    // A pass that began and never finished a part (its items failed, or the function died).
    expect(
      await h.store.claimSweep(
        { account: '', sweepId: 'stuck', startedAt: new Date(start).toISOString(), parts: 1, keys: COUNT },
        0,
        20 * 60_000,
      ),
    ).toBe(true);
    const before = h.standin.calls.length;
    await h.as('audit', () => checkSilentUse(h.audit.runtime, start + 10 * 60_000));
    expect(h.standin.calls.slice(before).filter((c) => String(c.args.text).startsWith('Silent-use net behind'))).toEqual([]);
    await h.as('audit', () => checkSilentUse(h.audit.runtime, start + 21 * 60_000));
    const late = h.standin.calls
      .slice(before)
      .filter((c) => c.method === 'chat.postMessage' && String(c.args.text).startsWith('Silent-use net behind'));
    expect(late).toHaveLength(1);
    expect(String(late[0]!.args.text)).toContain(`${COUNT} of ${COUNT} canary keys in this account not read within 20 minutes`);
    expect(JSON.stringify(late[0]!.args.blocks)).toContain('c0000');
    const [sweep] = await h.store.getSweeps(['']);
    expect(sweep?.sweepId).not.toBe('stuck');
    expect(sweep?.completedAt).toBeDefined();
    // Said once: the next tick is quiet.
    await h.as('audit', () => checkSilentUse(h.audit.runtime, start + 26 * 60_000));
    expect(h.standin.calls.slice(before).filter((c) => String(c.args.text).startsWith('Silent-use net behind'))).toHaveLength(1);
  }, 120_000);
});
