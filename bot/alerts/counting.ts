import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from '../table';
import { canaryKey, encodeKey, ignoreConditionFailed, incidentKey } from './incidents';
import { classifySource, countryOf } from './source';
import { actionOf } from './trail-event';
import type { TrailEvent } from './trail-event';

/**
 * Counting events into incidents, each exactly once (the alert handler's half of incidents.ts).
 * An incident stays open while events keep coming; after QUIET_MS without any, the next event
 * opens a new one (and a new parent message).
 */
export const QUIET_MS = 24 * 3600 * 1000;
/** How long a CloudTrail eventID is remembered; redeliveries come within minutes, not days. */
const EVENT_DEDUPE_SECONDS = 7 * 24 * 3600;
/** Distinct source IPs tracked one by one; beyond this they are counted under "other". */
export const MAX_TRACKED_IPS = 200;
/** Events per transaction: DynamoDB allows 100 items; two are the incident and the canary. */
const CHUNK = 98;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The incident new events of this canary belong to, opening one if none is open. Two Lambdas
 * racing here agree: both create the same next incident item (conditionally, so only one write
 * lands) and only one moves the canary's pointer; the loser reads the pointer again.
 */
export async function currentIncident(ddb: DynamoDBDocumentClient, table: string, canaryId: string, now: number): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const canary = (await ddb.send(new GetCommand({ TableName: table, Key: canaryKey(canaryId), ConsistentRead: true, ProjectionExpression: 'openIncident' }))).Item;
    const open = canary?.openIncident as { seq: number; lastEventAt: number } | undefined;
    if (open && now - open.lastEventAt < QUIET_MS) return open.seq;
    const seq = (open?.seq ?? 0) + 1;
    await ddb
      .send(
        new PutCommand({
          TableName: table,
          Item: { ...incidentKey(canaryId, seq), canaryId, seq, openedAt: new Date(now).toISOString(), calls: 0, actions: {}, ips: {}, sources: {} },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch(ignoreConditionFailed);
    try {
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: canaryKey(canaryId),
          UpdateExpression: 'SET openIncident = :open',
          ConditionExpression: open ? 'openIncident.seq = :prev' : 'attribute_not_exists(openIncident)',
          ExpressionAttributeValues: { ':open': { seq, lastEventAt: now }, ...(open ? { ':prev': open.seq } : {}) },
        }),
      );
      return seq;
    } catch (err) {
      ignoreConditionFailed(err); // someone else opened it first: read their pointer
    }
  }
  throw new Error(`could not settle the open incident of ${canaryId}`);
}

/**
 * Increments of map entries. DynamoDB's ADD works only on top-level attributes, so nested
 * counters are SET to if_not_exists(..., 0) + n. Map keys become expression attribute names, so
 * any string (IPv6, odd service names) is safe.
 */
function addCounts(prefix: string, attr: string, counts: Map<string, number>, names: Record<string, string>, values: Record<string, unknown>): string[] {
  return [...counts].map(([k, n], i) => {
    names[`#${prefix}${i}`] = encodeKey(k);
    values[`:${prefix}${i}`] = n;
    return `${attr}.#${prefix}${i} = if_not_exists(${attr}.#${prefix}${i}, :zero) + :${prefix}${i}`;
  });
}

const tally = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

/**
 * Runs `counterUpdates` for each new event exactly once: every event's dedupe item and the
 * counter updates commit in one transaction, so a crash or a redelivery can neither lose nor
 * double one. Returns the events that were new.
 */
async function countOnce(ddb: DynamoDBDocumentClient, table: string, events: TrailEvent[], now: number, counterUpdates: (chunk: TrailEvent[]) => TransactItem[]): Promise<TrailEvent[]> {
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  const counted: TrailEvent[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    let chunk = unique.slice(i, i + CHUNK);
    for (let attempt = 0; chunk.length && attempt < 8; attempt++) {
      try {
        await ddb.send(new TransactWriteCommand({ TransactItems: [...chunk.map((e) => dedupePut(table, e, now)), ...counterUpdates(chunk)] }));
        counted.push(...chunk);
        break;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const reasons = err.CancellationReasons ?? [];
        const duplicates = new Set(chunk.filter((_, j) => reasons[j]?.Code === 'ConditionalCheckFailed').map((e) => e.eventId));
        if (duplicates.size) chunk = chunk.filter((e) => !duplicates.has(e.eventId));
        // A conflict with a concurrent transaction on the same counters: back off and retry.
        else if (reasons.some((r) => r.Code === 'TransactionConflict')) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
        else throw err;
        if (attempt === 7) throw err;
      }
    }
  }
  return counted;
}

const dedupePut = (table: string, e: TrailEvent, now: number): TransactItem => ({
  Put: {
    TableName: table,
    Item: { pk: `EVENT#${e.eventId}`, sk: 'ONCE', [TTL_ATTRIBUTE]: Math.floor(now / 1000) + EVENT_DEDUPE_SECONDS },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** Counts events into the incident, each exactly once. */
export async function countEvents(ddb: DynamoDBDocumentClient, table: string, canaryId: string, seq: number, events: TrailEvent[], trackedIps: number, now: number): Promise<TrailEvent[]> {
  let tracked = trackedIps;
  const counted = await countOnce(ddb, table, events, now, (chunk) => {
    const updates = countTransaction(table, canaryId, seq, chunk, tracked, now);
    tracked += chunk.length;
    return updates;
  });
  if (counted.length) await widenSeenWindow(ddb, table, canaryId, seq, counted);
  return counted;
}

/** Counts calls from a suppressed source against its suppression, each exactly once. */
export async function countSuppressed(ddb: DynamoDBDocumentClient, table: string, canaryId: string, suppressionId: string, events: TrailEvent[], now: number): Promise<TrailEvent[]> {
  return countOnce(ddb, table, events, now, (chunk) => [
    {
      Update: {
        TableName: table,
        Key: canaryKey(canaryId),
        UpdateExpression: 'SET suppressions.#id.hits = if_not_exists(suppressions.#id.hits, :zero) + :n',
        ExpressionAttributeNames: { '#id': suppressionId },
        ExpressionAttributeValues: { ':n': chunk.length, ':zero': 0 },
      },
    },
  ]);
}

function countTransaction(table: string, canaryId: string, seq: number, chunk: TrailEvent[], trackedIps: number, now: number): TransactItem[] {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':n': chunk.length, ':now': now, ':zero': 0 };
  const ipRoom = MAX_TRACKED_IPS - trackedIps;
  const ips = tally(chunk.map((e) => e.sourceIp));
  const kept = new Map([...ips].slice(0, Math.max(ipRoom, 0)));
  const other = [...ips].slice(kept.size).reduce((s, [, n]) => s + n, 0);
  if (other) kept.set('other', (kept.get('other') ?? 0) + other);
  const first = chunk[0]!;
  const country = countryOf(first.sourceIp);
  values[':first'] = { ...first, source: classifySource(first), ...(country ? { country } : {}) };
  values[':min'] = chunk.reduce((m, e) => (e.eventTime < m ? e.eventTime : m), first.eventTime);
  const sets = [
    ...addCounts('a', 'actions', tally(chunk.map(actionOf)), names, values),
    ...addCounts('i', 'ips', kept, names, values),
    ...addCounts('s', 'sources', tally(chunk.map((e) => classifySource(e).class)), names, values),
    'firstEvent = if_not_exists(firstEvent, :first)',
    'firstSeen = if_not_exists(firstSeen, :min)',
    'lastEventAt = :now',
  ];
  return [
    {
      Update: {
        TableName: table,
        Key: incidentKey(canaryId, seq),
        UpdateExpression: `ADD calls :n SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    {
      // Keeps the incident open: the quiet period counts from the last event.
      Update: { TableName: table, Key: canaryKey(canaryId), UpdateExpression: 'SET openIncident.lastEventAt = :now', ExpressionAttributeValues: { ':now': now } },
    },
  ];
}

/** DynamoDB has no MIN/MAX: out-of-order events move first/last seen with conditional writes. */
async function widenSeenWindow(ddb: DynamoDBDocumentClient, table: string, canaryId: string, seq: number, events: TrailEvent[]): Promise<void> {
  const times = events.map((e) => e.eventTime).sort();
  const set = (attr: string, value: string, cmp: '<' | '>') =>
    ddb
      .send(
        new UpdateCommand({
          TableName: table,
          Key: incidentKey(canaryId, seq),
          UpdateExpression: `SET ${attr} = :v`,
          ConditionExpression: `attribute_not_exists(${attr}) OR ${attr} ${cmp} :v`,
          ExpressionAttributeValues: { ':v': value },
        }),
      )
      .catch(ignoreConditionFailed);
  await Promise.all([set('firstSeen', times[0]!, '>'), set('lastSeen', times[times.length - 1]!, '<')]);
}

