import { randomBytes } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from './table';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The audit trail: every triage action, who, what, when, on which incident. Items sit under the
 * canary's partition (pk=CANARY#<id>, sk=AUDIT#<time>#<rand>) so `/canary show` reads the canary,
 * its incidents and its actions in one query, in order.
 */
export type AuditAction =
  | 'minted'
  | 'disable-requested'
  | 'disabled'
  | 'disable-failed'
  | 'false-positive'
  | 'suppressed'
  | 'unsuppressed'
  | 'rearmed'
  | 'placed'
  | 'retired'
  | 'rotated'
  | 'silent-use'
  | 'self-test'
  | 'self-test-arrived'
  | 'refused';

export interface AuditEntry {
  action: AuditAction;
  by: string;
  at: string;
  incident?: number;
  detail?: string;
}

/** `keepDays`: the entry expires (DynamoDB TTL) after that many days; real actions are kept for ever. */
export async function recordAction(ddb: DynamoDBDocumentClient, table: string, canaryId: string, entry: Omit<AuditEntry, 'at'> & { at?: string }, keepDays?: number): Promise<void> {
  const at = entry.at ?? new Date().toISOString();
  const expiry = keepDays ? { [TTL_ATTRIBUTE]: Math.floor(Date.parse(at) / 1000) + keepDays * 24 * 3600 } : {};
  await ddb.send(new PutCommand({ TableName: table, Item: { pk: `CANARY#${canaryId}`, sk: `AUDIT#${at}#${randomBytes(3).toString('hex')}`, ...entry, at, ...expiry } }));
}

/** Refused presses written to the trail per canary per hour; the rest are counted and logged. */
export const REFUSALS_LISTED_PER_HOUR = 3;

/**
 * A non-admin's refused press. Anyone in a shared channel can press the buttons, as often as they
 * like: the trail keeps the first few refusals each hour for 30 days (a counter item per canary and
 * hour, with the same TTL, says how many), so refusals cannot flood the canary's partition, and `/canary show` lists
 * them apart from the actions, so they cannot push real actions out of view.
 */
export async function recordRefusal(ddb: DynamoDBDocumentClient, table: string, canaryId: string, by: string, detail: string, now = new Date()): Promise<boolean> {
  const hour = now.toISOString().slice(0, 13);
  const out = await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: `CANARY#${canaryId}`, sk: `REFUSALS#${hour}` },
      UpdateExpression: 'ADD refusals :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':one': 1, ':ttl': Math.floor(now.getTime() / 1000) + 30 * 24 * 3600 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const count = Number(out.Attributes?.refusals ?? 1);
  if (count > REFUSALS_LISTED_PER_HOUR) return false;
  // Kept 30 days, like the counter: a slow, patient presser cannot grow the partition without end.
  await recordAction(ddb, table, canaryId, { action: 'refused', by, detail, at: now.toISOString() }, 30);
  return true;
}

