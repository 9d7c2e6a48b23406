import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LoggedUse } from './logged-use';
import { LIST_INDEX, TTL_ATTRIBUTE } from './table';

/** `unknown`: a user under the canary path that this bot did not mint, seen in an event. */
export type CanaryStatus = 'active' | 'disabled' | 'retired' | 'unknown';

/** What we keep about a canary. Never a secret: only identifiers and the placement. */
export interface CanaryRecord {
  id: string;
  kind: string;
  location: string;
  /** Slack user id of the person responsible for where the canary lives. */
  owner: string;
  note?: string;
  createdAt: string;
  createdBy: string;
  status: CanaryStatus;
  /** Identifiers events carry that lead to this canary (access key id, user ARN for aws-key). */
  aliases: string[];
  /** Kind-specific identifiers (IAM user name and ARN, key id, ...). */
  resource: Record<string, string>;
  /** A slow action in flight (set by the button, cleared by the job): a second press waits. */
  pending?: Pending;
  retiredBy?: string;
  retiredAt?: string;
  /** Where the canary lived before `/canary place` moved it, oldest first. */
  previousLocations?: string[];
  disabledBy?: string;
  disabledAt?: string;
  /** The canary that re-armed this placement after it was disabled. */
  replacedBy?: string;
  /** Sources whose calls are counted but not alerted on, for this canary only. */
  suppressions?: Record<string, Suppression>;
  /** Set when the admin opted in to `/canary test` at mint: where a copy of the key is kept. */
  selfTestSecretArn?: string;
  /** The last test call: its nonce lets the alert path recognise it. */
  selfTest?: { nonce: string; at: string; by: string; arrivedAt?: string; missingReportedAt?: string };
  /** The last GetAccessKeyLastUsed the silent-use net has accounted for (ISO time). */
  lastUsedSeen?: string;
  /** A later LastUsedDate the net has seen but not judged yet: judged once the grace has passed. */
  lastUsedUnjudged?: string;
  /** The latest run of calls CloudTrail logged (bot/logged-use.ts). */
  loggedUse?: LoggedUse;
  /** YYYY-MM-DD: the daily audit retires the canary on that day, after warning for two weeks. */
  expiresOn?: string;
  /** Disable the key on the first alert; undefined follows AUTO_DISABLE. */
  autoDisable?: boolean;
  /** The incident new events count into (bot/alerts/counting.ts). */
  openIncident?: { seq: number; lastEventAt: number };
  /** The last disable that failed (IAM refused, say), shown on the alert until one succeeds. */
  disableFailed?: { by: string; at: string; reason: string };
}

export type PendingAction = 'disable' | 'rearm' | 'retire' | 'rotate';

export interface Pending {
  action: PendingAction;
  by: string;
  at: string;
  /** Epoch ms after which the claim no longer holds: a job that died without a word frees it. */
  expiresAt?: number;
}

export interface Suppression {
  sourceIp?: string;
  userAgent?: string;
  /** A caller (IAM user or role ARN; a role also covers its sessions). */
  principalArn?: string;
  reason: string;
  by: string;
  at: string;
  /** Calls matched since, counted exactly like alerted ones. */
  hits?: number;
}

const key = (id: string) => ({ pk: `CANARY#${id}`, sk: 'META' });

export class AlreadyExistsError extends Error {
  override name = 'AlreadyExistsError';
}

const aliasKey = (alias: string) => ({ pk: `ALIAS#${alias}`, sk: 'ALIAS' });

/**
 * Writes the record and its alias items in one transaction, each conditional on not existing:
 * an id or alias clash writes nothing.
 */
export async function putNewCanary(ddb: DynamoDBDocumentClient, table: string, rec: CanaryRecord): Promise<void> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { ...key(rec.id), [LIST_INDEX.partition]: 'CANARY', [LIST_INDEX.sort]: `${rec.createdAt}#${rec.id}`, ...rec }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ...rec.aliases.map((a) => ({ Put: { TableName: table, Item: { ...aliasKey(a), canaryId: rec.id }, ConditionExpression: 'attribute_not_exists(pk)' } })),
        ],
      }),
    );
  } catch (err) {
    if (err instanceof TransactionCanceledException && err.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
      throw new AlreadyExistsError(`canary ${rec.id} or one of its aliases already exists`);
    }
    throw err;
  }
}

export async function getCanary(ddb: DynamoDBDocumentClient, table: string, id: string): Promise<CanaryRecord | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: key(id), ConsistentRead: true }));
  return out.Item ? toRecord(out.Item) : undefined;
}

/** Removes the record and its aliases; used to undo a mint. */
export async function deleteCanary(ddb: DynamoDBDocumentClient, table: string, id: string, aliases: string[]): Promise<void> {
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [{ Delete: { TableName: table, Key: key(id) } }, ...aliases.map((a) => ({ Delete: { TableName: table, Key: aliasKey(a), ConditionExpression: 'attribute_not_exists(pk) OR canaryId = :id', ExpressionAttributeValues: { ':id': id } } }))],
    }),
  );
}

/** Adds an alias item for a canary (a rotated key); the old ones stay so late events still resolve. */
export async function putAlias(ddb: DynamoDBDocumentClient, table: string, alias: string, canaryId: string): Promise<void> {
  await ddb.send(new PutCommand({ TableName: table, Item: { ...aliasKey(alias), canaryId } }));
}

/** The canary the first known alias leads to. */
export async function findByAlias(ddb: DynamoDBDocumentClient, table: string, aliases: string[]): Promise<CanaryRecord | undefined> {
  for (const a of aliases) {
    const alias = await ddb.send(new GetCommand({ TableName: table, Key: aliasKey(a) }));
    const id = alias.Item?.canaryId;
    if (typeof id === 'string') return getCanary(ddb, table, id);
  }
  return undefined;
}

/**
 * Every canary, newest first, from the list index. Canaries number in the hundreds, not
 * millions, so filters and pages are applied in memory on one pass over the index.
 */
export async function allCanaries(ddb: DynamoDBDocumentClient, table: string): Promise<CanaryRecord[]> {
  const items: CanaryRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: table,
        IndexName: LIST_INDEX.name,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': LIST_INDEX.partition },
        ExpressionAttributeValues: { ':p': 'CANARY' },
        ScanIndexForward: false,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []).map(toRecord));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

function toRecord(item: Record<string, unknown>): CanaryRecord {
  const { pk: _pk, sk: _sk, [LIST_INDEX.partition]: _g, [LIST_INDEX.sort]: _s, ...rest } = item;
  return rest as unknown as CanaryRecord;
}

/**
 * Records that `key` happened, once: true for the first caller, false for every repeat. Lambda,
 * SQS and Slack all deliver at least once; this conditional write is what makes work run once.
 */
export async function claimOnce(ddb: DynamoDBDocumentClient, table: string, key: string, ttlSeconds: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: { pk: key, sk: 'ONCE', [TTL_ATTRIBUTE]: Math.floor(Date.now() / 1000) + ttlSeconds },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** Forgets a claimOnce, so the work it guarded runs again (it failed before it was done). */
export async function releaseOnce(ddb: DynamoDBDocumentClient, table: string, key: string): Promise<void> {
  await ddb.send(new DeleteCommand({ TableName: table, Key: { pk: key, sk: 'ONCE' } }));
}

/**
 * A conditional update of a canary record: true when it applied, false when the condition did
 * not hold (another press, another Lambda, a state that moved on).
 */
export async function updateCanary(
  ddb: DynamoDBDocumentClient,
  table: string,
  id: string,
  update: string,
  condition: string | undefined,
  values: Record<string, unknown>,
  names?: Record<string, string>,
): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: key(id),
        UpdateExpression: update,
        ConditionExpression: condition ? `attribute_exists(pk) AND (${condition})` : 'attribute_exists(pk)',
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** Every item of a canary: its record, incidents and audit trail, in key order. */
export async function canaryItems(ddb: DynamoDBDocumentClient, table: string, id: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CANARY#${id}` }, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * How long a `pending` claim holds: well past the jobs function's timeout (120 s), so a job that
 * timed out or crashed before it could release the claim never blocks the canary for good.
 */
export const PENDING_TTL_MS = 10 * 60_000;

/** The claim in force, if any: one without an expiry (written before expiries) no longer holds. */
export function livePending(c: Pick<CanaryRecord, 'pending'> | undefined, now = Date.now()): Pending | undefined {
  return c?.pending?.expiresAt !== undefined && c.pending.expiresAt > now ? c.pending : undefined;
}

/**
 * Claims the canary for a slow action, only if no live claim holds it and `condition` (over the
 * record) holds. Double clicks, two admins and Slack's retries meet the same condition.
 */
export async function claimPending(
  ddb: DynamoDBDocumentClient,
  table: string,
  id: string,
  pending: Omit<Pending, 'at' | 'expiresAt'> & { ttlMs?: number },
  condition: string,
  values: Record<string, unknown>,
  names?: Record<string, string>,
  now = Date.now(),
): Promise<boolean> {
  const { ttlMs = PENDING_TTL_MS, ...rest } = pending;
  const claim: Pending = { ...rest, at: new Date(now).toISOString(), expiresAt: now + ttlMs };
  const free = '(attribute_not_exists(pending) OR attribute_not_exists(pending.expiresAt) OR pending.expiresAt < :now)';
  return updateCanary(ddb, table, id, 'SET pending = :pending', `${free} AND (${condition})`, { ...values, ':pending': claim, ':now': now }, names);
}

/** Releases the claim; with `action`, only a claim for that action (a failed job's own). */
export async function releasePending(ddb: DynamoDBDocumentClient, table: string, id: string, action?: PendingAction): Promise<boolean> {
  return action
    ? updateCanary(ddb, table, id, 'REMOVE pending', 'pending.#a = :a', { ':a': action }, { '#a': 'action' })
    : updateCanary(ddb, table, id, 'REMOVE pending', undefined, {});
}
