import { LockHeldError } from '../errors';
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from './db';
import type { Db } from './db';
import { TTL_ATTRIBUTE, eventOnceName, expiresIn, lockKey, onceKey } from './schema';

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
    if (attempt >= attempts) throw new LockHeldError(`lock ${name} is held`);
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
