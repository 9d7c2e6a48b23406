import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CanaryRecord, CanaryStatus } from '../../bot/model/canary';
import type { CanaryFilter } from '../../bot/store/listing';
import { HOME_ACCOUNT, LISTED_KINDS, LISTED_STATUSES, LIST_INDEX, canaryKey, listKeysKey } from '../../bot/store/schema';
import { LIST_MORE_ACTION, LIST_PAGE } from '../../bot/views/list';
import { checkMessage } from '../../local/block-kit';
import { blockAction } from '../../local/slack-requests';
import { recordIamRequests } from '../support/aws-spy';
import { ADMIN, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * `/canary list` at the size real teams run: 2,000 canaries over four accounts, three kinds and
 * four statuses, written through the store's own put. Every page is Queries of the list indexes
 * (never a Scan), a filter returns only its canaries, and the cursor visits each exactly once.
 */
const COUNT = 2000;
const HOME = '123456789012';
const ACCOUNTS = [undefined, '111111111111', '222222222222', '333333333333'] as const;
const NAMES: Record<string, string> = { '111111111111': 'Prod payments', '222222222222': 'staging', '333333333333': 'Shared services' };

function seed(i: number): CanaryRecord {
  const account = ACCOUNTS[i % 4];
  return {
    // Two canaries a second: the id orders those made in the same millisecond.
    id: `c${i.toString(36).padStart(6, '0')}`,
    kind: LISTED_KINDS[i % 3]!,
    location: `host-${i}${i % 10 === 0 ? ' ~/.aws/credentials' : ''}`,
    owner: i % 5 === 0 ? 'U0BOB' : 'U0ALICE',
    createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 2) * 1000).toISOString(),
    createdBy: 'U0BOB',
    // 7 is prime to 3 and 4: every status meets every kind and account.
    status: (['active', 'active', 'active', 'disabled', 'retired', 'retired', 'unknown'] as const)[i % 7]!,
    ...(account ? { account } : {}),
    aliases: [],
    resource: {},
  };
}

const newestFirst = (a: CanaryRecord, b: CanaryRecord) => `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`);

describe('/canary list pages through 2,000 canaries with Queries, never a Scan', () => {
  let h: Harness;
  const all: CanaryRecord[] = [];
  const matching = (f: CanaryFilter) =>
    all
      .filter(
        (c) =>
          (!f.status || c.status === f.status) &&
          (!f.kind || c.kind === f.kind) &&
          (!f.account || (c.account ?? HOME_ACCOUNT) === f.account) &&
          (!f.owner || c.owner === f.owner) &&
          (!f.text || c.location.includes(f.text)),
      )
      .sort(newestFirst);

  beforeAll(async () => {
    h = await startHarness({ env: { ORGANIZATION_ID: 'o-abcdefghij', HOME_ACCOUNT_ID: HOME } });
    for (let i = 0; i < COUNT; i++) all.push(seed(i));
    const queue = [...all];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let c = queue.pop(); c; c = queue.pop()) await h.store.putNewCanary(c);
      }),
    );
    await h.store.putOrgAccounts(
      Object.entries(NAMES).map(([id, name]) => ({ id, name, state: 'ACTIVE' })),
      new Date().toISOString(),
    );
    // What the daily audit does: records that every canary carries the list keys.
    expect(await h.store.repairListKeys()).toMatchObject({ checked: COUNT, fixed: 0 });
  }, 120_000);
  afterAll(() => h.close());

  const slackQueries = async (text: string) => {
    const seen = recordIamRequests(h.slack.runtime.store.client);
    const { body } = await h.command(text);
    const commands = seen.map((s) => s.command);
    seen.length = 0; // the middleware stays; later calls are not this command's
    return { body: body!, commands };
  };

  it('answers the default view with one Query, 20 canaries and a More button', async () => {
    const { body, commands } = await slackQueries('list');
    expect(commands).toEqual(['QueryCommand']);
    expect(checkMessage(body)).toEqual([]);
    const text = JSON.stringify(body.blocks);
    expect(text).toContain(`Canaries (first ${LIST_PAGE}, more exist)`);
    expect(text).toContain(LIST_MORE_ACTION);
    const ids = [...text.matchAll(/\*(c[0-9a-z]{6})\*/g)].map((m) => m[1]);
    expect(ids).toEqual(
      matching({})
        .slice(0, LIST_PAGE)
        .map((c) => c.id),
    );
  });

  it('serves a filter that fixes a partition with one Query, and a wider one with a Query per partition', async () => {
    const fixed = await slackQueries('list --status retired --kind s3-object --account "Prod payments"');
    expect(fixed.commands.filter((c) => c === 'QueryCommand')).toHaveLength(1);
    expect(fixed.commands).not.toContain('ScanCommand');
    expect(JSON.stringify(fixed.body.blocks)).toContain('Canaries: retired, S3 decoy object, account 111111111111 (first 20, more exist)');
    const byStatus = await slackQueries('list --status disabled');
    expect(byStatus.commands.filter((c) => c === 'QueryCommand')).toHaveLength(LISTED_KINDS.length);
    const byAccount = await slackQueries('list --account 222222222222');
    expect(byAccount.commands.filter((c) => c === 'QueryCommand')).toHaveLength(LISTED_KINDS.length * LISTED_STATUSES.length);
    for (const r of [fixed, byStatus, byAccount]) expect(r.commands.filter((c) => /Scan|BatchGet/.test(c))).toEqual([]);
  });

  it('returns exactly the matching canaries, each once, newest first, page after page', async () => {
    const filters: CanaryFilter[] = [
      {},
      { status: 'active' },
      { account: HOME_ACCOUNT, status: 'retired' },
      { status: 'unknown', kind: 'aws-key' },
      { account: '333333333333', status: 'disabled' },
      { account: '111111111111', kind: 's3-object' },
      { account: '222222222222', status: 'retired', kind: 'ecr-image' },
      { status: 'active', owner: 'U0BOB' },
      { text: 'credentials' },
    ];
    for (const filter of filters) {
      const seen: CanaryRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      const expected = matching(filter);
      // About three pages each: the cursor crosses pages, and the file stays quick.
      const limit = Math.max(7, Math.ceil(expected.length / 3));
      do {
        const page = await h.store.canaryPage(filter, { limit, ...(cursor ? { cursor } : {}) });
        seen.push(...page.canaries);
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 100);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(10);
      expect(
        seen.map((c) => c.id),
        JSON.stringify(filter),
      ).toEqual(expected.map((c) => c.id));
      expect(seen[0], 'records as the store keeps them').toEqual(expected[0]);
    }
  }, 120_000);

  it('goes on through the More button, in place, to the last page', async () => {
    const filter = { account: '333333333333', status: 'active' as CanaryStatus, kind: 'aws-key' };
    const expected = matching(filter).map((c) => c.id);
    expect(expected.length).toBeGreaterThan(LIST_PAGE * 2);
    let { body } = await h.command('list --account "shared services" --status active --kind aws-key');
    const shown: string[] = [];
    for (let page = 0; page < 10; page++) {
      expect(checkMessage(body!)).toEqual([]);
      shown.push(...[...JSON.stringify(body!.blocks).matchAll(/\*(c[0-9a-z]{6})\*/g)].map((m) => m[1]!));
      const button = (body!.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find((b) => b.type === 'actions');
      if (!button) break;
      const responseUrl = h.standin.newResponseUrl('actions');
      const { res } = await h.interact(
        blockAction({
          userId: ADMIN,
          actionId: LIST_MORE_ACTION,
          value: button.elements![0]!.value,
          responseUrl,
          channelId: 'C0SECURITY',
          messageTs: '1700000000.000100',
          blockId: 'list_more',
          ephemeral: true,
        }),
      );
      expect(res.statusCode).toBe(200);
      const reply = h.standin.calls.filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!));
      expect(reply).toHaveLength(1);
      expect(reply[0]!.args).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
      body = reply[0]!.args as Record<string, unknown>;
      expect(JSON.stringify(body.blocks)).toContain('(next ');
    }
    expect(shown).toEqual(expected);
  });

  it('refuses a tampered cursor politely, before any Query', async () => {
    const { body } = await h.command('list');
    const cursor = /--page ([A-Za-z0-9_-]+)/.exec(JSON.stringify(body!.blocks))![1]!;
    const tampered = cursor.slice(0, 10) + (cursor[10] === 'x' ? 'y' : 'x') + cursor.slice(11);
    for (const text of [`list --page ${tampered}`, `list --status active --page ${Buffer.from('{"pk":"ORG"}').toString('base64url')}`]) {
      const r = await slackQueries(text);
      expect(String(r.body.text)).toMatch(/not one this bot gave out/);
      expect(r.commands).not.toContain('QueryCommand');
    }
    const responseUrl = h.standin.newResponseUrl('actions');
    await h.interact(
      blockAction({
        userId: ADMIN,
        actionId: LIST_MORE_ACTION,
        value: JSON.stringify({ f: { status: 'active', account: "1' OR '1" }, c: cursor }),
        responseUrl,
        channelId: 'C0SECURITY',
        messageTs: '1700000000.000200',
        ephemeral: true,
      }),
    );
    const reply = h.standin.calls.find((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!));
    expect(reply?.args).toMatchObject({ replace_original: false, text: expect.stringMatching(/not one this bot gave out/) });
  });

  it('lists records written before the list indexes (from gsi1, filtered), and the repair indexes them', async () => {
    // As the store wrote them before: the list index's keys only.
    const old = { ...seed(COUNT), id: 'cold001', status: 'disabled' as const, kind: 'aws-key', account: '111111111111' };
    await h.ddb.send(
      new PutCommand({
        TableName: h.table,
        Item: { ...canaryKey(old.id), [LIST_INDEX.partition]: 'CANARY', [LIST_INDEX.sort]: `${old.createdAt}#${old.id}`, ...old },
      }),
    );
    await h.ddb.send(new DeleteCommand({ TableName: h.table, Key: listKeysKey }));
    const filter = { account: '111111111111', status: 'disabled' as const, kind: 'aws-key' };
    // A fresh module graph, as a new Lambda instance: it has not seen the list-keys item.
    vi.resetModules();
    const fresh = (await import('../../bot/store')).createStore(h.ddb, h.table);
    const before = await fresh.canaryPage(filter, { limit: 5 });
    expect(before.canaries[0]?.id).toBe('cold001');
    expect(before.canaries.every((c) => c.status === 'disabled' && c.kind === 'aws-key' && c.account === '111111111111')).toBe(true);
    const repaired = await h.store.repairListKeys();
    expect(repaired).toMatchObject({ checked: COUNT + 1, fixed: 1 });
    expect(repaired.cursor).toBeUndefined();
    const seen = recordIamRequests(h.store.client);
    const after = await h.store.canaryPage(filter, { limit: 5 });
    expect(seen.map((s) => s.command)).toEqual(['QueryCommand']);
    expect(after.canaries.map((c) => c.id)).toEqual(before.canaries.map((c) => c.id));
    // A status change moves the canary between partitions at once.
    expect(await h.store.markRetired('cold001', ADMIN, new Date().toISOString())).toBe(true);
    expect((await h.store.canaryPage(filter, { limit: 5 })).canaries.map((c) => c.id)).not.toContain('cold001');
    expect((await h.store.canaryPage({ ...filter, status: 'retired' }, { limit: 1 })).canaries.map((c) => c.id)).toEqual(['cold001']);
  });
});
