import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../model/audit-trail';
import type { CanaryRecord } from '../model/canary';
import type { Incident } from '../model/incident';
import { toIncident, toRecord } from './codec';
import { claimIncident } from './incident-writes';
import type { Db } from './db';
import { canaryPartition, incidentKey, isAuditItem, isCanaryItem, isIncidentItem } from './schema';

/**
 * Incident items: counted into by store/counting.ts, and brought to Slack by
 * bot/alerts/reconcile.ts through the claims below. Each claim is one conditional write that
 * elects a single caller (who posts the parent, who posts the next update, who schedules a flush).
 */

export async function getIncident({ ddb, table }: Db, canaryId: string, seq: number): Promise<Incident | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: incidentKey(canaryId, seq), ConsistentRead: true }));
  return out.Item ? toIncident(out.Item) : undefined;
}

/** A canary with everything it has been through: incidents (oldest first) and its audit trail. */
export async function canaryHistory(
  { ddb, table }: Db,
  id: string,
): Promise<{ canary: CanaryRecord; incidents: Incident[]; audit: AuditEntry[] } | undefined> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': canaryPartition(id) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const record = items.find((i) => isCanaryItem(i.sk));
  if (!record) return undefined;
  const strip = ({ pk: _pk, sk: _sk, ...rest }: Record<string, unknown>) => rest;
  return {
    canary: toRecord(record),
    incidents: items.filter((i) => isIncidentItem(i.sk)).map(toIncident),
    audit: items.filter((i) => isAuditItem(i.sk)).map((i) => strip(i) as unknown as AuditEntry),
  };
}

/** A responder's verdict, once: false when the incident already has one. */
export const recordFalsePositive = (db: Db, canaryId: string, seq: number, verdict: { by: string; at: string; reason: string }) =>
  claimIncident(db, canaryId, seq, 'SET triage = :t', 'attribute_not_exists(triage)', { ':t': { state: 'false-positive', ...verdict } });
