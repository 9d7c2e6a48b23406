import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CanaryRecord, CanaryStatus } from '../model/canary';
import { applied } from './db';
import type { Db } from './db';
import { toRecord } from './codec';
import {
  ACCOUNT_INDEX,
  HOME_ACCOUNT,
  LISTED_KINDS,
  LISTED_STATUSES,
  LIST_INDEX,
  LIST_KEYS_VERSION,
  STATUS_INDEX,
  accountPartition,
  canaryKey,
  canaryListKeys,
  listKeysKey,
  statusPartition,
} from './schema';

/**
 * Canaries a page at a time, newest first, from the list indexes (schema.ts says which filter
 * reads which): what `/canary list` and anything else answering a person reads. Never a Scan.
 */

export interface CanaryFilter {
  status?: CanaryStatus;
  kind?: string;
  /** A 12-digit account id, or HOME_ACCOUNT for canaries in the bot's own account. */
  account?: string;
  /** Not indexed: matched on what the indexed part of the filter reads, within `maxRead`. */
  owner?: string;
  /** Not indexed, likewise: case-insensitive, in the id, location and note. */
  text?: string;
}

export interface PageRequest {
  /** Canaries per page, 1 to 1,000. */
  limit: number;
  /** From the previous page; opaque. It comes back from Slack: decoded with care. */
  cursor?: string;
  /** When part of the filter is not indexed (owner, text): reading on stops once this many items were read. Default 2,000. */
  maxRead?: number;
}

export interface CanaryPage {
  canaries: CanaryRecord[];
  /** Set when more may follow (exactly: when at least one more canary matches, or the read budget ran out). */
  cursor?: string;
  /** Items DynamoDB read (ScannedCount) and the Queries it took, for this page. */
  read: number;
  queries: number;
}

/** A cursor this store did not make (or one from a different shape of the table). */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** `<createdAt>#<id>`: an ISO time (milliseconds or not: CloudTrail's have none) and an id. */
const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z#[\w-]{1,64}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/** The position after which the next page starts: the shared sort key of the last canary seen. */
export const encodeCursor = (sortKey: string) => Buffer.from(JSON.stringify({ [LIST_INDEX.sort]: sortKey })).toString('base64url');

export function decodeCursor(cursor: string): string {
  const bad = () => new InvalidCursorError('not a list cursor');
  if (!CURSOR.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad();
  const entries = Object.entries(parsed);
  const [key, value] = entries[0] ?? [];
  if (entries.length !== 1 || key !== LIST_INDEX.sort || typeof value !== 'string' || !SORT_KEY.test(value)) throw bad();
  if (encodeCursor(value) !== cursor) throw bad(); // one spelling per position
  return value;
}

/** Whether every canary carries the gsi2/gsi3 keys (repairListKeys has finished a pass); remembered once true. */
const indexedTables = new Set<string>();

async function listKeysComplete({ ddb, table }: Db): Promise<boolean> {
  if (indexedTables.has(table)) return true;
  const out = await ddb.send(new GetCommand({ TableName: table, Key: listKeysKey }));
  const ok = Number(out.Item?.version ?? 0) >= LIST_KEYS_VERSION;
  if (ok) indexedTables.add(table);
  return ok;
}

interface Plan {
  index: { name: string; partition: string };
  partitions: string[];
}

/** The index and partitions a filter reads: every partition whose canaries may match, and no other. */
export function listPlan(filter: Pick<CanaryFilter, 'status' | 'kind' | 'account'>, indexed = true): Plan {
  const statuses: readonly string[] = filter.status ? [filter.status] : LISTED_STATUSES;
  const kinds: readonly string[] = filter.kind ? [filter.kind] : LISTED_KINDS;
  if (!indexed || (!filter.status && !filter.kind && !filter.account)) return { index: LIST_INDEX, partitions: ['CANARY'] };
  const pairs = statuses.flatMap((s) => kinds.map((k) => [s, k] as const));
  return filter.account
    ? { index: ACCOUNT_INDEX, partitions: pairs.map(([s, k]) => accountPartition(filter.account, s, k)) }
    : { index: STATUS_INDEX, partitions: pairs.map(([s, k]) => statusPartition(s, k)) };
}

/** The whole filter, checked on every item read: an index only narrows what is read. */
function matches(f: CanaryFilter): (c: CanaryRecord) => boolean {
  const text = f.text?.toLowerCase();
  return (c) =>
    (!f.status || c.status === f.status) &&
    (!f.kind || c.kind === f.kind) &&
    (!f.account || (c.account || HOME_ACCOUNT) === f.account) &&
    (!f.owner || c.owner === f.owner) &&
    (!text || [c.id, c.location, c.note ?? ''].some((v) => v.toLowerCase().includes(text)));
}

/** One partition, newest first, older than `after`, read in chunks as the merge needs them. */
class PartitionReader {
  items: Array<Record<string, unknown>> = [];
  private start: Record<string, unknown> | undefined;
  done = false;
  constructor(
    private readonly db: Db,
    private readonly index: Plan['index'],
    private readonly partition: string,
    private readonly after: string | undefined,
    private readonly chunk: number,
    private readonly stats: { read: number; queries: number },
  ) {}

  /** Until it holds an item or has none left (a 1 MB page may come back short, or empty). */
  async fill(): Promise<void> {
    while (!this.items.length && !this.done) {
      const out = await this.db.ddb.send(
        new QueryCommand({
          TableName: this.db.table,
          IndexName: this.index.name,
          KeyConditionExpression: this.after ? '#p = :p AND #s < :after' : '#p = :p',
          ExpressionAttributeNames: { '#p': this.index.partition, ...(this.after ? { '#s': LIST_INDEX.sort } : {}) },
          ExpressionAttributeValues: { ':p': this.partition, ...(this.after ? { ':after': this.after } : {}) },
          ScanIndexForward: false,
          Limit: this.chunk,
          ...(this.start ? { ExclusiveStartKey: this.start } : {}),
        }),
      );
      this.stats.queries++;
      this.stats.read += out.ScannedCount ?? out.Items?.length ?? 0;
      this.items.push(...(out.Items ?? []));
      this.start = out.LastEvaluatedKey;
      this.done = !this.start;
    }
  }

  get head(): string | undefined {
    return this.items[0]?.[LIST_INDEX.sort] as string | undefined;
  }
}

/** DynamoDB's answers for an index that does not exist yet, or is still being built. */
const isMissingIndex = (err: unknown) =>
  err instanceof Error && err.name === 'ValidationException' && /specified index|backfilling/i.test(err.message);

/**
 * One page of canaries matching `filter`, newest first, from the Queries listPlan names. Reads
 * `limit + 1` per partition when the indexes serve the whole filter (so "more exist" is exact and
 * a last page never comes back empty); with an owner or text part, reads on in chunks until the
 * page is full or `maxRead` items were read, and the cursor then continues the search.
 */
export async function canaryPage(db: Db, filter: CanaryFilter, page: PageRequest): Promise<CanaryPage> {
  const limit = Math.trunc(page.limit);
  if (!(limit >= 1 && limit <= 1000)) throw new RangeError(`page limit ${page.limit} is not between 1 and 1000`);
  const after = page.cursor !== undefined ? decodeCursor(page.cursor) : undefined;
  const wantsIndex = Boolean(filter.status || filter.kind || filter.account);
  const indexed = wantsIndex && (await listKeysComplete(db));
  try {
    return await readPage(db, filter, limit, after, listPlan(filter, indexed), page.maxRead ?? 2000);
  } catch (err) {
    // A list index not created yet, or still backfilling (a deploy adds one GSI at a time): the
    // list index and the filter in memory give the same canaries, slower.
    if (!indexed || !isMissingIndex(err)) throw err;
    return readPage(db, filter, limit, after, listPlan(filter, false), page.maxRead ?? 2000);
  }
}

async function readPage(db: Db, filter: CanaryFilter, limit: number, after: string | undefined, plan: Plan, maxRead: number) {
  const served = plan.index !== LIST_INDEX || !(filter.status || filter.kind || filter.account);
  const exact = served && !filter.owner && !filter.text; // every item read matches
  const want = limit + 1;
  const stats = { read: 0, queries: 0 };
  const readers = plan.partitions.map((p) => new PartitionReader(db, plan.index, p, after, exact ? want : 250, stats));
  await Promise.all(readers.map((r) => r.fill()));
  const match = matches(filter);
  const found: Array<{ rec: CanaryRecord; at: string }> = [];
  let lastSeen: string | undefined;
  let outOfBudget = false;
  while (found.length < want) {
    let next: PartitionReader | undefined;
    for (const r of readers) if (r.head !== undefined && (next?.head === undefined || r.head > next.head)) next = r;
    if (!next) break;
    const item = next.items.shift()!;
    lastSeen = item[LIST_INDEX.sort] as string;
    const rec = toRecord(item);
    if (match(rec)) found.push({ rec, at: lastSeen });
    if (found.length >= want) break;
    // What is read is examined; reading on stops at the budget (a page with owner or text only).
    if (!next.items.length && !next.done && !exact && stats.read >= maxRead) {
      outOfBudget = true;
      break;
    }
    await next.fill();
  }
  const canaries = found.slice(0, limit).map((f) => f.rec);
  const cursor = found.length > limit ? found[limit - 1]!.at : outOfBudget ? lastSeen : undefined;
  return { canaries, ...(cursor ? { cursor: encodeCursor(cursor) } : {}), ...stats };
}

export interface RepairResult {
  checked: number;
  /** Records whose list keys were missing or stale, and were written. */
  fixed: number;
  /** Set when the deadline came first: pass it back to go on. */
  cursor?: string;
}

/**
 * Writes the gsi2/gsi3 keys on every canary record that lacks them or carries stale ones (records
 * written before those indexes, or by a function deployed before them), and once a whole pass is
 * done records it in the list-keys item, after which filtered lists read the indexes. Idempotent
 * and resumable; a record whose status moved meanwhile is left to the write that moved it. Meant
 * for the daily audit: at 10,000 canaries a pass is a few Queries of the list index.
 */
export async function repairListKeys(db: Db, opts: { cursor?: string; deadline?: number } = {}): Promise<RepairResult> {
  const { ddb, table } = db;
  const result: RepairResult = { checked: 0, fixed: 0 };
  const after = opts.cursor !== undefined ? decodeCursor(opts.cursor) : undefined;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: table,
        IndexName: LIST_INDEX.name,
        KeyConditionExpression: after ? '#p = :p AND #s < :after' : '#p = :p',
        ExpressionAttributeNames: { '#p': LIST_INDEX.partition, ...(after ? { '#s': LIST_INDEX.sort } : {}) },
        ExpressionAttributeValues: { ':p': 'CANARY', ...(after ? { ':after': after } : {}) },
        ScanIndexForward: false,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const stale = (out.Items ?? []).filter((item) => {
      result.checked++;
      const keys = canaryListKeys(toRecord(item));
      return (
        item[STATUS_INDEX.partition] !== keys[STATUS_INDEX.partition] || item[ACCOUNT_INDEX.partition] !== keys[ACCOUNT_INDEX.partition]
      );
    });
    for (let i = 0; i < stale.length; i += 25) {
      const fixed = await Promise.all(stale.slice(i, i + 25).map((item) => writeListKeys(db, toRecord(item))));
      result.fixed += fixed.filter(Boolean).length;
    }
    start = out.LastEvaluatedKey;
    const last = start?.[LIST_INDEX.sort];
    if (typeof last === 'string' && opts.deadline !== undefined && Date.now() > opts.deadline)
      return { ...result, cursor: encodeCursor(last) };
  } while (start);
  // The end of a pass (resumed or not: cursors are ours, handed out only at a deadline).
  await ddb.send(
    new PutCommand({ TableName: table, Item: { ...listKeysKey, version: LIST_KEYS_VERSION, at: new Date().toISOString(), ...result } }),
  );
  indexedTables.add(table);
  return result;
}

function writeListKeys({ ddb, table }: Db, c: CanaryRecord): Promise<boolean> {
  const keys = canaryListKeys(c);
  return applied(
    ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: canaryKey(c.id),
        UpdateExpression: 'SET #g2 = :g2, #g3 = :g3',
        ConditionExpression: 'attribute_exists(pk) AND #s = :s',
        ExpressionAttributeNames: { '#g2': STATUS_INDEX.partition, '#g3': ACCOUNT_INDEX.partition, '#s': 'status' },
        ExpressionAttributeValues: { ':g2': keys[STATUS_INDEX.partition], ':g3': keys[ACCOUNT_INDEX.partition], ':s': c.status },
      }),
    ),
  );
}
