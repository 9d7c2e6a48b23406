import { CreateRoleCommand, CreateUserCommand, IAMClient, ListUsersCommand, paginateListUsers } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { learnStyle, nameSpace } from '../../bot/name-style';
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

  it("sees every user, past IAM's first page: in 1,200 and more users, every name of the account shape taken, no collision", async () => {
    // The account's shape: acme_<thing>_prod. Every three-word name the bot can draw in it is taken.
    const style = learnStyle(['acme_ledger_prod', 'acme_billing_prod', 'acme_sync_prod', 'acme_search_prod', 'acme_media_prod']);
    const shaped = [...new Set(nameSpace(style))].filter((n) => n.split('_').length === 3);
    expect(shaped.length).toBeGreaterThan(150);
    // People's logins (one word: no style of their own), a thousand and more of them.
    const surnames = 'smith jones brown garcia miller davis wilson moore taylor anderson thomas jackson white harris martin thompson'
      .concat(' martinez robinson clark lewis lee walker hall allen young king wright scott green baker adams nelson hill campbell')
      .concat(' mitchell roberts carter phillips evans turner')
      .split(' ');
    const people = [...'abcdefghijklmnopqrstuvwxyz'].flatMap((initial) => surnames.map((s) => `${initial}${s}`));
    const create = async (names: string[]) => {
      let next = 0;
      const worker = async () => {
        while (next < names.length) await h.iam.send(new CreateUserCommand({ UserName: names[next++]!, Path: '/' }));
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    };
    // IAM lists users in the order moto keeps (creation): the first page shows the style, and most
    // of the shape's names come after a thousand people, where a check of the first page misses them.
    await create(shaped.slice(0, 20));
    await create(people);
    await create(shaped.slice(20));

    const all: { UserName?: string; Path?: string }[] = [];
    for await (const page of paginateListUsers({ client: h.iam, pageSize: 1000 }, {})) all.push(...(page.Users ?? []));
    expect(all.length).toBeGreaterThan(1200);
    const firstPage = (await h.iam.send(new ListUsersCommand({ MaxItems: 1000 }))).Users ?? [];
    const own = (users: typeof all) => users.filter((u) => !u.Path?.startsWith(h.userPath)).map((u) => u.UserName!);
    // The forced case: the first page alone teaches the same style, and holds only a few of its names.
    expect(learnStyle(own(firstPage))).toMatchObject({ separator: '_', first: ['acme'], last: ['prod'], middle: [] });
    expect(learnStyle(own(all))).toMatchObject({ separator: '_', first: ['acme'], last: ['prod'], middle: [] });
    const seenFirst = new Set(firstPage.map((u) => u.UserName));
    expect(shaped.filter((n) => !seenFirst.has(n)).length).toBeGreaterThan(shaped.length - 25);

    // The bot's IAM calls during the mint, recorded.
    const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
    const send = IAMClient.prototype.send;
    const spy = vi.spyOn(IAMClient.prototype, 'send').mockImplementation(function (this: IAMClient, command: unknown, ...rest: unknown[]) {
      const c = command as { constructor: { name: string }; input: Record<string, unknown> };
      sent.push({ command: c.constructor.name, input: c.input });
      return (send as (...a: unknown[]) => unknown).call(this, command, ...rest);
    } as typeof send);
    try {
      await h.command('new laptop-5');
      await h.settle();
    } finally {
      spy.mockRestore();
    }
    const rec = (await h.store.allCanaries()).find((c) => c.location === 'laptop-5')!;
    const name = rec.resource.userName!;
    // The shape is full, so the canary takes one inner word more, in the account's style.
    expect(name).toMatch(/^acme_[a-z0-9]+_[a-z0-9]+_prod$/);
    expect(all.map((u) => u.UserName!.toLowerCase())).not.toContain(name.toLowerCase());
    // Read once, every page of 1,000 (two here; five at IAM's 5,000 users), no roles (users are
    // many), and one CreateUser: no collision for IAM to refuse.
    const calls = (command: string) => sent.filter((c) => c.command === command);
    expect(calls('ListUsersCommand').map((c) => c.input.MaxItems)).toEqual([1000, 1000]);
    expect(calls('ListRolesCommand')).toEqual([]);
    expect(calls('CreateUserCommand').map((c) => c.input.UserName)).toEqual([name]);
    expect(h.logs()).not.toContain('drawing another');
  }, 90_000);
});
