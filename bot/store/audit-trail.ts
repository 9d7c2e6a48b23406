import { randomBytes } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { REFUSALS_LISTED_PER_HOUR } from '../model/audit-trail';
import type { AuditEntry } from '../model/audit-trail';
import type { Db } from './db';
import { TTL_ATTRIBUTE, auditKey, expiresIn, refusalsKey } from './schema';

/** One entry in the canary's audit trail; with `keepDays`, DynamoDB forgets it after that long. */
export async function recordAction(
  { ddb, table }: Db,
  canaryId: string,
  entry: Omit<AuditEntry, 'at'> & { at?: string },
  keepDays?: number,
): Promise<void> {
  const at = entry.at ?? new Date().toISOString();
  const expiry = keepDays ? { [TTL_ATTRIBUTE]: expiresIn(keepDays * 24 * 3600, Date.parse(at)) } : {};
  await ddb.send(
    new PutCommand({ TableName: table, Item: { ...auditKey(canaryId, at, randomBytes(3).toString('hex')), ...entry, at, ...expiry } }),
  );
}

/**
 * A refusal, counted per canary and hour; only the first REFUSALS_LISTED_PER_HOUR are listed, so
 * an outsider pressing buttons in a shared channel cannot push real actions out of the trail.
 * True when this one was listed.
 */
export async function recordRefusal(db: Db, canaryId: string, by: string, detail: string, now = new Date()): Promise<boolean> {
  const out = await db.ddb.send(
    new UpdateCommand({
      TableName: db.table,
      Key: refusalsKey(canaryId, now.toISOString().slice(0, 13)),
      UpdateExpression: 'ADD refusals :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':one': 1, ':ttl': expiresIn(30 * 24 * 3600, now.getTime()) },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  if (Number(out.Attributes?.refusals ?? 1) > REFUSALS_LISTED_PER_HOUR) return false;
  await recordAction(db, canaryId, { action: 'refused', by, detail, at: now.toISOString() }, 30);
  return true;
}
