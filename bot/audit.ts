import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
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

export async function recordAction(ddb: DynamoDBDocumentClient, table: string, canaryId: string, entry: Omit<AuditEntry, 'at'> & { at?: string }): Promise<void> {
  const at = entry.at ?? new Date().toISOString();
  await ddb.send(new PutCommand({ TableName: table, Item: { pk: `CANARY#${canaryId}`, sk: `AUDIT#${at}#${randomBytes(3).toString('hex')}`, ...entry, at } }));
}
