import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from './db';
import type { Db } from './db';
import { TTL_ATTRIBUTE, degradedKey, eventOnceName, expiresIn, lockKey, onceKey } from './schema';

/**
 * Records that `key` happened, once: true for the first caller, false for every repeat. Lambda,
 * SQS and Slack all deliver at least once; this conditional write is what makes work run once.
 */
export function claimOnce({ ddb, table }: Db, key: string, ttlSeconds: number): Promise<boolean> {
  return applied(
    ddb.send(
      new PutCommand({
        TableName: table,
        Item: { ...onceKey(key), [TTL_ATTRIBUTE]: expiresIn(ttlSeconds) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** A CloudTrail event, once: the same dedupe item counting writes (store/counting.ts). */
export function claimEvent(db: Db, eventId: string, ttlSeconds: number): Promise<boolean> {
  return claimOnce(db, eventOnceName(eventId), ttlSeconds);
}

/** Forgets a claimOnce, so the work it guarded runs again (it failed before it was done). */
export async function releaseOnce({ ddb, table }: Db, key: string): Promise<void> {
  await ddb.send(new DeleteCommand({ TableName: table, Key: onceKey(key) }));
}

/**
 * The degraded alert of a canary (bot/alerts/degraded.ts): at most one per window, and where it
 * was posted, so the real alert can replace it once counting works again.
 */
export function claimDegradedWindow({ ddb, table }: Db, canaryId: string, windowSeconds: number, now: number): Promise<boolean> {
  return applied(
    ddb.send(
      new PutCommand({
        TableName: table,
        Item: { ...degradedKey(canaryId), [TTL_ATTRIBUTE]: expiresIn(windowSeconds, now) },
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
      }),
    ),
  );
}

export async function recordDegradedParent(
  { ddb, table }: Db,
  canaryId: string,
  parent: { channel: string; ts: string },
  now: number,
): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: degradedKey(canaryId),
      UpdateExpression: 'SET parent = :p, postedAt = :at',
      ExpressionAttributeValues: { ':p': parent, ':at': now },
    }),
  );
}

/** The degraded alert still in its window: where it is and when it was posted. */
export async function getDegradedParent(
  { ddb, table }: Db,
  canaryId: string,
  now: number,
): Promise<{ parent: { channel: string; ts: string }; postedAt: number } | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: degradedKey(canaryId), ConsistentRead: true }));
  const item = out.Item as { parent?: { channel: string; ts: string }; postedAt?: number; [TTL_ATTRIBUTE]?: number } | undefined;
  if (!item?.parent || !item.postedAt || (item[TTL_ATTRIBUTE] ?? 0) * 1000 < now) return undefined;
  return { parent: item.parent, postedAt: item.postedAt };
}

export async function forgetDegradedParent({ ddb, table }: Db, canaryId: string): Promise<void> {
  await ddb.send(new UpdateCommand({ TableName: table, Key: degradedKey(canaryId), UpdateExpression: 'REMOVE parent' }));
}

/**
 * Runs `fn` holding the named lock (one holder across every Lambda; it expires after ttlSeconds
 * should its holder die). Waits for it up to `attempts` times.
 */
export async function withLock<T>({ ddb, table }: Db, name: string, ttlSeconds: number, fn: () => Promise<T>, attempts = 50): Promise<T> {
  const owner = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const now = Date.now();
    const took = await applied(
      ddb.send(
        new PutCommand({
          TableName: table,
          Item: { ...lockKey(name), owner, [TTL_ATTRIBUTE]: expiresIn(ttlSeconds, now) },
          ConditionExpression: `attribute_not_exists(pk) OR ${TTL_ATTRIBUTE} < :now`,
          ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
        }),
      ),
    );
    if (took) break;
    if (attempt >= attempts) throw new Error(`lock ${name} is held`);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
  }
  try {
    return await fn();
  } finally {
    // OWNER is a reserved word.
    await ddb
      .send(
        new DeleteCommand({
          TableName: table,
          Key: lockKey(name),
          ConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':o': owner },
        }),
      )
      .catch(() => undefined);
  }
}
