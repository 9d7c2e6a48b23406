import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../model/audit-trail';
import type { CanaryRecord } from '../model/canary';
import type { Incident } from '../model/incident';
import { encodeCounts, toIncident, toRecord } from './codec';
import { applied, params, retryConflicts } from './db';
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

/** A conditional update of the incident, retried over transaction conflicts: true when this caller won. */
function claim(
  db: Db,
  canaryId: string,
  seq: number,
  expression: string,
  condition: string,
  values: Record<string, unknown>,
  names?: Record<string, string>,
): Promise<boolean> {
  return applied(
    retryConflicts(() =>
      db.ddb.send(
        new UpdateCommand({
          TableName: db.table,
          Key: incidentKey(canaryId, seq),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ...params(values, names),
        }),
      ),
    ),
  );
}

async function set(db: Db, canaryId: string, seq: number, expression: string, values: Record<string, unknown> = {}): Promise<void> {
  await retryConflicts(() =>
    db.ddb.send(
      new UpdateCommand({ TableName: db.table, Key: incidentKey(canaryId, seq), UpdateExpression: expression, ...params(values) }),
    ),
  );
}

/** What Slack now shows, stored with keys encoded as the counters are. */
const snapshot = (inc: Pick<Incident, 'calls' | 'actions' | 'ips'>, at: number) => ({
  calls: inc.calls,
  actions: encodeCounts(inc.actions),
  ips: encodeCounts(inc.ips),
  at,
});

/** The right to post the parent for `leaseMs`, while no parent is posted. */
export const claimParentLease = (db: Db, canaryId: string, seq: number, now: number, leaseMs: number) =>
  claim(
    db,
    canaryId,
    seq,
    'SET parentLease = :until',
    'attribute_not_exists(parent) AND (attribute_not_exists(parentLease) OR parentLease < :now)',
    { ':until': now + leaseMs, ':now': now },
  );

export const releaseParentLease = (db: Db, canaryId: string, seq: number) => set(db, canaryId, seq, 'REMOVE parentLease');

/** The parent is posted, showing `inc` as it was read. */
export const recordParent = (db: Db, inc: Incident, parent: { channel: string; ts: string }, now: number) =>
  set(db, inc.canaryId, inc.seq, 'SET parent = :p, posted = :posted REMOVE parentLease', { ':p': parent, ':posted': snapshot(inc, now) });

/** The right to post the next update, if nobody posted one since `postedAt`. */
export const claimUpdate = (db: Db, canaryId: string, seq: number, postedAt: number, now: number) =>
  claim(db, canaryId, seq, 'SET posted.#at = :now', 'posted.#at = :at', { ':now': now, ':at': postedAt }, { '#at': 'at' });

/** A thread summary is posted; the parent still shows older numbers until clearParentStale. */
export const recordSummary = (db: Db, inc: Incident, now: number) =>
  set(db, inc.canaryId, inc.seq, 'SET posted = :posted, parentStale = :t', { ':posted': snapshot(inc, now), ':t': true });

export const clearParentStale = (db: Db, canaryId: string, seq: number) => set(db, canaryId, seq, 'REMOVE parentStale');

/** One pending flush per incident: true for the caller that should queue it. */
export const claimFlush = (db: Db, canaryId: string, seq: number, at: number, now: number) =>
  claim(db, canaryId, seq, 'SET flushAt = :at', 'attribute_not_exists(flushAt) OR flushAt < :now', { ':at': at, ':now': now });

export const clearFlush = (db: Db, canaryId: string, seq: number) => set(db, canaryId, seq, 'REMOVE flushAt');

/** The owner's direct message, once per incident. */
export const claimOwnerNotice = (db: Db, canaryId: string, seq: number, now: number) =>
  claim(db, canaryId, seq, 'SET ownerNotified = :now', 'attribute_not_exists(ownerNotified)', { ':now': now });

/** A responder's verdict, once: false when the incident already has one. */
export const recordFalsePositive = (db: Db, canaryId: string, seq: number, verdict: { by: string; at: string; reason: string }) =>
  claim(db, canaryId, seq, 'SET triage = :t', 'attribute_not_exists(triage)', { ':t': { state: 'false-positive', ...verdict } });
