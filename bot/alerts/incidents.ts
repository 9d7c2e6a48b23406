import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Source } from './source';
import type { TrailEvent } from './trail-event';

/**
 * Incidents: one per canary at a time (counting.ts opens them and counts into them).
 *
 *   incident  pk=CANARY#<canaryId>  sk=INCIDENT#<seq>   counters, what Slack was last shown
 *   pointer   on the canary record: openIncident = { seq, lastEventAt }
 *   dedupe    pk=EVENT#<eventID>    sk=ONCE             written in the same transaction as the count
 *
 * An incident stays open while events keep coming; after QUIET_MS without any, the next event
 * opens a new incident (and a new parent message). Disabling the key or marking a false positive
 * does not end it: later calls still belong in the same thread.
 */

/** The first event's details, as the parent message shows them. */
export interface FirstEvent extends TrailEvent {
  source: Source;
  country?: string;
}

/** What the Slack messages showed last time, to post only what changed. */
export interface Posted {
  calls: number;
  actions: Record<string, number>;
  ips: Record<string, number>;
  at: number;
}

export interface Incident {
  canaryId: string;
  seq: number;
  openedAt: string;
  calls: number;
  actions: Record<string, number>;
  ips: Record<string, number>;
  sources: Record<string, number>;
  firstSeen?: string;
  lastSeen?: string;
  firstEvent?: FirstEvent;
  parent?: { channel: string; ts: string };
  posted?: Posted;
  /** Set between a thread summary and the parent update that follows it. */
  parentStale?: boolean;
  parentLease?: number;
  flushAt?: number;
  ownerNotified?: boolean;
  /** A responder's verdict on the incident. */
  triage?: { state: 'false-positive'; by: string; at: string; reason: string };
}

export const canaryKey = (canaryId: string) => ({ pk: `CANARY#${canaryId}`, sk: 'META' });
export const incidentKey = (canaryId: string, seq: number) => ({ pk: `CANARY#${canaryId}`, sk: `INCIDENT#${String(seq).padStart(6, '0')}` });
export const incidentId = (canaryId: string, seq: number) => `${canaryId}-${seq}`;

export async function getIncident(ddb: DynamoDBDocumentClient, table: string, canaryId: string, seq: number): Promise<Incident | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: incidentKey(canaryId, seq), ConsistentRead: true }));
  const item = out.Item as Incident | undefined;
  if (!item) return undefined;
  const posted = item.posted ? { ...item.posted, actions: decodeCounts(item.posted.actions), ips: decodeCounts(item.posted.ips) } : undefined;
  return { ...item, actions: decodeCounts(item.actions), ips: decodeCounts(item.ips), sources: decodeCounts(item.sources), ...(posted ? { posted } : {}) };
}

/**
 * DynamoDB refuses a plain write to an item a transaction holds (TransactionConflictException),
 * and the SDK does not retry that: in a flood the counting transactions hold the incident most of
 * the time. A few short, jittered retries.
 */
async function retryConflicts<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TransactionConflictException) || attempt === 5) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
    }
  }
}

export function ignoreConditionFailed(err: unknown): void {
  if (!(err instanceof ConditionalCheckFailedException)) throw err;
}

/**
 * Map keys are stored with '.' and '%' percent-encoded: DynamoDB takes a placeholder name
 * literally, but moto splits it on dots into a nested path, and IPs are full of dots.
 */
export const encodeKey = (k: string) => k.replace(/%/g, '%25').replace(/\./g, '%2E');
const decodeKey = (k: string) => k.replace(/%2E/g, '.').replace(/%25/g, '%');

export function encodeCounts(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, n]) => [encodeKey(k), n]));
}

export function decodeCounts(m: Record<string, number> = {}): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, n]) => [decodeKey(k), Number(n)]));
}

/**
 * A conditional SET on the incident: true when this caller won it. Used to elect who posts the
 * parent, who posts the next update, and who schedules a flush.
 */
export async function claim(
  ddb: DynamoDBDocumentClient,
  table: string,
  canaryId: string,
  seq: number,
  update: string,
  condition: string,
  values: Record<string, unknown>,
  names?: Record<string, string>,
): Promise<boolean> {
  try {
    await retryConflicts(() =>
      ddb.send(new UpdateCommand({ TableName: table, Key: incidentKey(canaryId, seq), UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeValues: values, ...(names ? { ExpressionAttributeNames: names } : {}) })),
    );
    return true;
  } catch (err) {
    ignoreConditionFailed(err);
    return false;
  }
}

export async function setIncident(ddb: DynamoDBDocumentClient, table: string, canaryId: string, seq: number, update: string, values: Record<string, unknown>): Promise<void> {
  await retryConflicts(() => ddb.send(new UpdateCommand({ TableName: table, Key: incidentKey(canaryId, seq), UpdateExpression: update, ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}) })));
}
