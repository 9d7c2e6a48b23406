import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AlreadyExistsError } from '../errors';
import { PENDING_TTL_MS } from '../model/canary';
import type { CanaryRecord, Pending, PendingAction, Suppression } from '../model/canary';
import { applied, conditionFailedIn, params } from './db';
import type { Db } from './db';
import { toRecord } from './codec';
import { ACCOUNT_INDEX, LIST_INDEX, STATUS_INDEX, aliasKey, canaryKey, canaryListKeys } from './schema';

/**
 * The canary record: created with its aliases, read, and changed only through the verbs below,
 * each one conditional write. A verb that returns a boolean says whether its condition held
 * (another press, another Lambda, a state that moved on): the caller decides what that means.
 */

/**
 * Writes the record and its alias items in one transaction, each conditional on not existing:
 * an id or alias clash writes nothing.
 */
export async function putNewCanary({ ddb, table }: Db, rec: CanaryRecord): Promise<void> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...canaryKey(rec.id), ...canaryListKeys(rec), ...rec },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...rec.aliases.map((a) => ({
            Put: { TableName: table, Item: { ...aliasKey(a), canaryId: rec.id }, ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        ],
      }),
    );
  } catch (err) {
    if (conditionFailedIn(err)) throw new AlreadyExistsError(`canary ${rec.id} or one of its aliases already exists`);
    throw err;
  }
}

export async function getCanary({ ddb, table }: Db, id: string): Promise<CanaryRecord | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: canaryKey(id), ConsistentRead: true }));
  return out.Item ? toRecord(out.Item) : undefined;
}

/** Removes the record and its aliases; used to undo a mint. */
export async function deleteCanary({ ddb, table }: Db, id: string, aliases: string[]): Promise<void> {
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: table, Key: canaryKey(id) } },
        ...aliases.map((a) => ({
          Delete: {
            TableName: table,
            Key: aliasKey(a),
            ConditionExpression: 'attribute_not_exists(pk) OR canaryId = :id',
            ExpressionAttributeValues: { ':id': id },
          },
        })),
      ],
    }),
  );
}

/** The canary the first known alias leads to. */
export async function findByAlias(db: Db, aliases: string[]): Promise<CanaryRecord | undefined> {
  for (const a of aliases) {
    const alias = await db.ddb.send(new GetCommand({ TableName: db.table, Key: aliasKey(a) }));
    const id = alias.Item?.canaryId;
    if (typeof id === 'string') return getCanary(db, id);
  }
  return undefined;
}

/**
 * Every canary, newest first, from the list index: Queries, never a Scan, but every page of them.
 * For scheduled work only; anything answering a person reads one page (canaryPage, listing.ts).
 */
export async function allCanaries({ ddb, table }: Db): Promise<CanaryRecord[]> {
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

/** A conditional update of an existing record: true when it applied. */
function update(
  { ddb, table }: Db,
  id: string,
  expression: string,
  condition: string | undefined,
  values: Record<string, unknown>,
  names?: Record<string, string>,
): Promise<boolean> {
  return applied(
    ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: canaryKey(id),
        UpdateExpression: expression,
        ConditionExpression: condition ? `attribute_exists(pk) AND (${condition})` : 'attribute_exists(pk)',
        ...params(values, names),
      }),
    ),
  );
}

const STATUS = { '#s': 'status' };

/** The state each slow action starts from. */
const CLAIMABLE_FROM: Record<PendingAction, { condition: string; values: Record<string, unknown> }> = {
  // `unknown`: a user under the canary path the bot did not mint, seen in an event.
  disable: { condition: '#s IN (:active, :unknown)', values: { ':active': 'active', ':unknown': 'unknown' } },
  rearm: { condition: '#s = :disabled AND attribute_not_exists(replacedBy)', values: { ':disabled': 'disabled' } },
  rotate: { condition: '#s = :active', values: { ':active': 'active' } },
  retire: { condition: '#s <> :retired', values: { ':retired': 'retired' } },
};

/**
 * Claims the canary for a slow action, only if no live claim holds it and the canary is in a state
 * the action starts from. Double clicks, two admins and Slack's retries meet the same condition.
 */
export function claimPending(
  db: Db,
  id: string,
  claim: { action: PendingAction; by: string; ttlMs?: number },
  now = Date.now(),
): Promise<boolean> {
  const { ttlMs = PENDING_TTL_MS, ...rest } = claim;
  const pending: Pending = { ...rest, at: new Date(now).toISOString(), expiresAt: now + ttlMs };
  const free = '(attribute_not_exists(pending) OR attribute_not_exists(pending.expiresAt) OR pending.expiresAt < :now)';
  const from = CLAIMABLE_FROM[claim.action];
  return update(
    db,
    id,
    'SET pending = :pending',
    `${free} AND (${from.condition})`,
    { ...from.values, ':pending': pending, ':now': now },
    STATUS,
  );
}

/** Releases the claim; with `action`, only a claim for that action (a failed job's own). */
export function releasePending(db: Db, id: string, action?: PendingAction): Promise<boolean> {
  return action
    ? update(db, id, 'REMOVE pending', 'pending.#a = :a', { ':a': action }, { '#a': 'action' })
    : update(db, id, 'REMOVE pending', undefined, {});
}

/**
 * A final state, who put it there and when; the claim and `alsoRemove` go. Never undoes a retire.
 * The list indexes move with the status: their keys derive from kind and account too, which never
 * change, so one consistent read of those two makes the keys exact.
 */
async function settle(db: Db, id: string, status: 'disabled' | 'retired', by: string, at: string, alsoRemove: string): Promise<boolean> {
  const fixed = await db.ddb.send(
    new GetCommand({
      TableName: db.table,
      Key: canaryKey(id),
      ConsistentRead: true,
      ProjectionExpression: '#k, #a, #c',
      ExpressionAttributeNames: { '#k': 'kind', '#a': 'account', '#c': 'createdAt' },
    }),
  );
  if (!fixed.Item) return false;
  const { kind, account, createdAt } = fixed.Item as { kind: string; account?: string; createdAt: string };
  const keys = canaryListKeys({ id, createdAt, status, kind, ...(account ? { account } : {}) });
  const set = `SET #s = :s, ${status}By = :by, ${status}At = :at, #g2 = :g2, #g3 = :g3 REMOVE pending, ${alsoRemove}`;
  return update(
    db,
    id,
    set,
    '#s <> :retired',
    {
      ':s': status,
      ':by': by,
      ':at': at,
      ':retired': 'retired',
      ':g2': keys[STATUS_INDEX.partition],
      ':g3': keys[ACCOUNT_INDEX.partition],
    },
    { ...STATUS, '#g2': STATUS_INDEX.partition, '#g3': ACCOUNT_INDEX.partition },
  );
}

export function markDisabled(db: Db, id: string, by: string, at: string): Promise<boolean> {
  return settle(db, id, 'disabled', by, at, 'disableFailed');
}

/** The last disable that failed, shown on the alert until one succeeds; frees the claim. */
export function recordDisableFailure(db: Db, id: string, failure: { by: string; at: string; reason: string }): Promise<boolean> {
  return update(db, id, 'SET disableFailed = :f REMOVE pending', undefined, { ':f': failure });
}

/** Retired, whoever retired it (a person, or the expiry): the claim and the self-test copy go too. */
export function markRetired(db: Db, id: string, by: string, at: string): Promise<boolean> {
  return settle(db, id, 'retired', by, at, 'selfTestSecretArn');
}

/** The disabled canary `newId` re-armed this placement. */
export function markReplaced(db: Db, id: string, newId: string): Promise<boolean> {
  return update(db, id, 'SET replacedBy = :n REMOVE pending', undefined, { ':n': newId });
}

/** A new key for the same canary: its id becomes an alias too (the old ones stay, so late events still resolve). */
export async function recordRotation(db: Db, id: string, resource: Record<string, string>): Promise<boolean> {
  if (resource.accessKeyId)
    await db.ddb.send(new PutCommand({ TableName: db.table, Item: { ...aliasKey(resource.accessKeyId), canaryId: id } }));
  return update(
    db,
    id,
    'SET #r = :r, aliases = list_append(aliases, :a) REMOVE pending',
    undefined,
    { ':r': resource, ':a': resource.accessKeyId ? [resource.accessKeyId] : [] },
    { '#r': 'resource' },
  );
}

export function moveLocation(db: Db, id: string, from: string, to: string): Promise<boolean> {
  return update(
    db,
    id,
    'SET #l = :l, previousLocations = list_append(if_not_exists(previousLocations, :none), :old)',
    undefined,
    { ':l': to, ':none': [], ':old': [from] },
    { '#l': 'location' },
  );
}

/** YYYY-MM-DD: the daily audit retires the canary on that day. */
export function setExpiry(db: Db, id: string, expiresOn: string): Promise<boolean> {
  return update(db, id, 'SET expiresOn = :d', undefined, { ':d': expiresOn });
}

/** The guard undid a change to the canary's permissions (bot/guard.ts); `text` is to be said. */
export function markGuardFired(db: Db, id: string, at: string, text: string): Promise<boolean> {
  return update(db, id, 'SET guardFiredAt = :at, guardUnsaid = :t', undefined, { ':at': at, ':t': text });
}

/** Said: only this text (a newer one stays to be said). */
export function clearGuardUnsaid(db: Db, id: string, text: string): Promise<boolean> {
  return update(db, id, 'REMOVE guardUnsaid', 'guardUnsaid = :t', { ':t': text });
}

export function setSelfTestSecret(db: Db, id: string, arn: string): Promise<boolean> {
  return update(db, id, 'SET selfTestSecretArn = :a', undefined, { ':a': arn });
}

/** A test call about to be made: its nonce lets the alert path recognise it. */
export function recordSelfTestCall(db: Db, id: string, call: { nonce: string; at: string; by: string }): Promise<boolean> {
  return update(db, id, 'SET selfTest = :t', undefined, { ':t': call });
}

export function markSelfTestArrived(db: Db, id: string, nonce: string, at: string): Promise<boolean> {
  return update(db, id, 'SET selfTest.arrivedAt = :now', 'selfTest.nonce = :n', { ':now': at, ':n': nonce });
}

/** Claims the "heartbeat missing" message for this test call: true for the one caller that says it. */
export function markSelfTestMissing(db: Db, id: string, nonce: string, at: string): Promise<boolean> {
  return update(
    db,
    id,
    'SET selfTest.missingReportedAt = :now',
    'selfTest.nonce = :n AND attribute_not_exists(selfTest.arrivedAt) AND attribute_not_exists(selfTest.missingReportedAt)',
    { ':now': at, ':n': nonce },
  );
}

/** The message could not be said: the next check says it. */
export function unmarkSelfTestMissing(db: Db, id: string, nonce: string): Promise<boolean> {
  return update(db, id, 'REMOVE selfTest.missingReportedAt', 'selfTest.nonce = :n', { ':n': nonce });
}

export async function addSuppression(db: Db, id: string, suppressionId: string, s: Suppression): Promise<void> {
  // Two writes: DynamoDB refuses one expression that both creates the map and sets inside it.
  await update(db, id, 'SET suppressions = if_not_exists(suppressions, :empty)', undefined, { ':empty': {} });
  await update(db, id, 'SET suppressions.#id = :s', undefined, { ':s': s }, { '#id': suppressionId });
}

export function removeSuppression(db: Db, id: string, suppressionId: string): Promise<boolean> {
  return update(db, id, 'REMOVE suppressions.#id', 'attribute_exists(suppressions.#id)', {}, { '#id': suppressionId });
}

/**
 * The silent-use net's bookkeeping (bot/silent-use.ts): a LastUsedDate it has seen but not judged
 * yet, noted once; judged once (moving `lastUsedSeen` on, and to the next unjudged one if any);
 * and put back when the alert could not be said.
 */
export function noteUnjudgedUse(db: Db, id: string, at: string): Promise<boolean> {
  return update(db, id, 'SET lastUsedUnjudged = :t', 'attribute_not_exists(lastUsedUnjudged)', { ':t': at });
}

export function judgeUse(db: Db, id: string, unjudged: string, next?: string): Promise<boolean> {
  return update(db, id, `SET lastUsedSeen = :t${next ? ', lastUsedUnjudged = :n' : ' REMOVE lastUsedUnjudged'}`, 'lastUsedUnjudged = :t', {
    ':t': unjudged,
    ...(next ? { ':n': next } : {}),
  });
}

export function requeueUnjudgedUse(db: Db, id: string, at: string): Promise<boolean> {
  return update(db, id, 'SET lastUsedUnjudged = :t', 'attribute_not_exists(lastUsedUnjudged) OR lastUsedUnjudged > :t', { ':t': at });
}
