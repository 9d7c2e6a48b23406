import { describe, expect, it } from 'vitest';
import { KINDS } from '../../bot/kinds';
import type { CanaryRecord, CanaryStatus } from '../../bot/model/canary';
import { InvalidCursorError, decodeCursor, encodeCursor, listPlan } from '../../bot/store/listing';
import { HOME_ACCOUNT, LISTED_KINDS, LISTED_STATUSES, canaryListKeys } from '../../bot/store/schema';
import { LIST_MORE_ACTION, LIST_PAGE, listReply } from '../../bot/views/list';
import { checkMessage } from '../../local/block-kit';

/** Every status, once: a status added to the model and not here fails to compile. */
const STATUS_SET: Record<CanaryStatus, true> = { active: true, disabled: true, retired: true, unknown: true };

describe('the list indexes partition on every kind and status there is', () => {
  it('names each kind of the registry and each status of the model', () => {
    expect([...LISTED_KINDS].sort()).toEqual(KINDS.map((k) => k.name).sort());
    expect([...LISTED_STATUSES].sort()).toEqual(Object.keys(STATUS_SET).sort());
  });

  it('derives the keys from status, kind and account, the home account for none', () => {
    const c = { id: 'c1234567', createdAt: '2026-01-02T03:04:05.678Z', status: 'disabled', kind: 'aws-key' };
    expect(canaryListKeys(c)).toEqual({
      gsi1pk: 'CANARY',
      gsi1sk: '2026-01-02T03:04:05.678Z#c1234567',
      gsi2pk: 'disabled#aws-key',
      gsi3pk: `${HOME_ACCOUNT}#disabled#aws-key`,
    });
    expect(canaryListKeys({ ...c, account: '111122223333' }).gsi3pk).toBe('111122223333#disabled#aws-key');
  });

  it('reads one partition when the filter fixes one, and only the partitions a filter spans otherwise', () => {
    expect(listPlan({})).toEqual({ index: expect.objectContaining({ name: 'gsi1' }), partitions: ['CANARY'] });
    expect(listPlan({ status: 'active', kind: 'aws-key' }).partitions).toEqual(['active#aws-key']);
    expect(listPlan({ status: 'active', kind: 'aws-key', account: '111122223333' }).partitions).toEqual(['111122223333#active#aws-key']);
    const byStatus = listPlan({ status: 'retired' });
    expect(byStatus.index.name).toBe('gsi2');
    expect(byStatus.partitions).toEqual(LISTED_KINDS.map((k) => `retired#${k}`));
    expect(listPlan({ kind: 'ecr-image' }).partitions).toHaveLength(LISTED_STATUSES.length);
    const byAccount = listPlan({ account: HOME_ACCOUNT });
    expect(byAccount.index.name).toBe('gsi3');
    expect(byAccount.partitions).toHaveLength(LISTED_STATUSES.length * LISTED_KINDS.length);
    expect(byAccount.partitions.every((p) => p.startsWith(`${HOME_ACCOUNT}#`))).toBe(true);
    // Before every record carries the keys, the list index and the filter in memory.
    expect(listPlan({ status: 'active' }, false)).toEqual({ index: expect.objectContaining({ name: 'gsi1' }), partitions: ['CANARY'] });
  });
});

describe('a list cursor comes back from Slack: only the ones the store made are taken', () => {
  const sortKey = '2026-11-23T10:00:00.123Z#c7k2mq4';

  it('round-trips, base64url', () => {
    const cursor = encodeCursor(sortKey);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe(sortKey);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['an array', Buffer.from('["x"]').toString('base64url')],
    ['another key', Buffer.from(JSON.stringify({ pk: sortKey })).toString('base64url')],
    ['an extra key', Buffer.from(JSON.stringify({ gsi1sk: sortKey, pk: 'CANARY#x' })).toString('base64url')],
    ['a number', Buffer.from(JSON.stringify({ gsi1sk: 5 })).toString('base64url')],
    ['not a sort key', Buffer.from(JSON.stringify({ gsi1sk: 'CANARY' })).toString('base64url')],
    ['an expression', Buffer.from(JSON.stringify({ gsi1sk: `${sortKey} OR 1=1` })).toString('base64url')],
    ['too long', 'A'.repeat(201)],
    ['one character changed', encodeCursor(sortKey).replace(/^./, (ch) => (ch === 'e' ? 'f' : 'e'))],
    ['cut short', encodeCursor(sortKey).slice(0, -3)],
    ['a second spelling', `${encodeCursor(sortKey)}A`],
  ])('refuses %s', (_what, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidCursorError);
  });
});

describe('a page of /canary list fits Slack', () => {
  const canary = (i: number): CanaryRecord => ({
    id: `c${String(i).padStart(6, '0')}`,
    kind: 'aws-key',
    location: `<!channel> ${'x'.repeat(300)}`,
    owner: 'U0BOB',
    createdAt: '2026-11-23T10:00:00.000Z',
    createdBy: 'U0BOB',
    status: 'active',
    aliases: [],
    resource: {},
  });
  const full = Array.from({ length: LIST_PAGE }, (_, i) => canary(i));
  const cursor = encodeCursor('2026-11-23T10:00:00.000Z#c000019');

  it('says the count when everything fits, and the filter', () => {
    const reply = listReply({ canaries: full.slice(0, 3) }, { status: 'active', kind: 'aws-key', account: HOME_ACCOUNT }, false);
    expect(checkMessage({ ...reply })).toEqual([]);
    expect(JSON.stringify(reply.blocks)).toContain('Canaries: active, AWS access key, home account (3)');
    expect(JSON.stringify(reply.blocks)).not.toContain(LIST_MORE_ACTION);
  });

  it('says more exist and offers More and --page, within the block and text limits', () => {
    const reply = listReply({ canaries: full, cursor }, { owner: 'U0BOB', text: 'x'.repeat(200) }, false);
    expect(checkMessage({ ...reply })).toEqual([]);
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain(`Canaries (first ${LIST_PAGE}, more exist)`);
    expect(text).toContain(`--page ${cursor}`);
    expect(text).not.toContain('<!channel>');
    const button = reply.blocks!.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string; value: string }> };
    expect(button.elements[0]!.action_id).toBe(LIST_MORE_ACTION);
    expect(JSON.parse(button.elements[0]!.value)).toEqual({ f: { owner: 'U0BOB', text: 'x'.repeat(200) }, c: cursor });
    expect(listReply({ canaries: full.slice(0, 4) }, {}, true).text).toBe('4 canaries');
    expect(JSON.stringify(listReply({ canaries: full.slice(0, 4) }, {}, true).blocks)).toContain('Canaries (next 4)');
  });

  it('tells an empty filter, an empty table and the end of the pages apart', () => {
    expect(listReply({ canaries: [] }, {}, false).text).toMatch(/No canaries yet/);
    expect(listReply({ canaries: [] }, { kind: 'ecr-image' }, false).text).toBe('No canary matches that filter.');
    expect(listReply({ canaries: [] }, {}, true).text).toMatch(/No more canaries match/);
  });
});
