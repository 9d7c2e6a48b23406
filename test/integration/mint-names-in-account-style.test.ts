import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto } from '../../local/moto';
import type { Moto } from '../../local/moto';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * Through the real mint (slash command, job, IAM in the emulator): the canary's user is named in
 * the style of the users already in the account. A moto of its own, so the account holds exactly
 * the users seeded here (other test files' canaries would otherwise be part of its style).
 */
describe('minting names the canary like the account names its users', () => {
  let moto: Moto;
  let h: Harness;
  const SEEDED = [
    'payments.exporter.prod',
    'payments.reconciler.dev',
    'payments.ledger.prod',
    'orders.sync.prod',
    'orders.archiver.dev',
    'orders.fulfilment.prod',
    'search.indexer.prod',
    'search.ranker.dev',
    'search.crawler.dev',
  ];

  beforeAll(async () => {
    moto = await startMoto();
    h = await startHarness({ env: { AWS_ENDPOINT_URL: moto.url } });
    for (const UserName of SEEDED) await h.iam.send(new CreateUserCommand({ UserName, Path: '/' }));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await moto?.stop();
  });

  it('mints users in the dotted team.role.env style the account shares, none a real name', async () => {
    for (const place of ['laptop-1', 'laptop-2', 'laptop-3']) await h.command(`new ${place}`);
    await h.settle();
    const names = (await h.store.allCanaries()).map((c) => c.resource.userName!);
    expect(names).toHaveLength(3);
    for (const name of names) {
      expect(name).toMatch(/^(payments|orders|search)\.[a-z]+\.(prod|dev)$/);
      expect(SEEDED).not.toContain(name);
    }
  });

  it('reads the roles too when the account has few users', async () => {
    // Roles a platform team made: svc_<team>_<job>.
    const teams = ['ci', 'data', 'web'];
    const jobs = ['deploy', 'sync', 'render', 'export'];
    for (const RoleName of teams.flatMap((t) => jobs.map((j) => `svc_${t}_${j}`))) {
      await h.iam.send(
        new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }),
      );
    }
    // Nine dotted users and twelve snake-case roles: the roles' style is the majority now.
    await h.command('new laptop-4');
    await h.settle();
    const rec = (await h.store.allCanaries()).find((c) => c.location === 'laptop-4')!;
    expect(rec.resource.userName).toMatch(/^svc(_[a-z]+)+$/);
  });
});
