import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applied } from './db';
import type { Db } from './db';
import { TTL_ATTRIBUTE, degradedKey, expiresIn } from './schema';

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
