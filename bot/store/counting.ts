import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SourceClass } from '../alerts/source';
import { actionOf } from '../alerts/trail-event';
import { errorName } from '../errors';
import { log } from '../log';
import { extendLoggedUse } from '../logged-use';
import type { LoggedUse } from '../logged-use';
import type { CanaryRecord } from '../model/canary';
import type { FirstEvent } from '../model/incident';
import { KEY_MAX, MAX_TRACKED_ACTIONS, MAX_TRACKED_IPS, OTHER, QUIET_MS, ipEntry } from '../model/incident';
import type { TrailEvent } from '../model/trail-event';
import { cut } from '../text';
import { applied, backoff } from './db';
import type { Db } from './db';
import { encodeKey } from './codec';
import { getIncident } from './incidents';
import { assertWithinLimits } from './limits';
import { TTL_ATTRIBUTE, canaryKey, eventOnceKey, expiresIn, incidentKey } from './schema';

/** How long a CloudTrail eventID is remembered; redeliveries come within minutes, not days. */
const EVENT_DEDUPE_SECONDS = 7 * 24 * 3600;
/** Events per transaction: DynamoDB allows 100 items; two are the incident and the canary. */
const CHUNK = 98;
/** Map-entry clauses per update (see the bounds in model/incident.ts). */
const MAX_ENTRY_CLAUSES = 50;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The incident new events of this canary belong to, opening one if none is open (or if the open
 * one is `closed`: marked false positive, and a new source came). Two Lambdas racing here agree:
 * both create the same next incident item (conditionally, so only one write lands) and only one
 * moves the canary's pointer; the loser reads the pointer again.
 */
export async function currentIncident({ ddb, table }: Db, canaryId: string, now: number, closed?: number): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const canary = (
      await ddb.send(
        new GetCommand({ TableName: table, Key: canaryKey(canaryId), ConsistentRead: true, ProjectionExpression: 'openIncident' }),
      )
    ).Item;
    const open = canary?.openIncident as { seq: number; lastEventAt: number } | undefined;
    if (open && now - open.lastEventAt < QUIET_MS && open.seq !== closed) return open.seq;
    const seq = (open?.seq ?? 0) + 1;
    await applied(
      ddb.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...incidentKey(canaryId, seq),
            canaryId,
            seq,
            openedAt: new Date(now).toISOString(),
            calls: 0,
            actions: {},
            ips: {},
            sources: {},
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    const moved = await applied(
      ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: canaryKey(canaryId),
          UpdateExpression: 'SET openIncident = :open',
          ConditionExpression: open ? 'openIncident.seq = :prev' : 'attribute_not_exists(openIncident)',
          ExpressionAttributeValues: { ':open': { seq, lastEventAt: now }, ...(open ? { ':prev': open.seq } : {}) },
        }),
      ),
    );
    if (moved) return seq;
    // Someone else opened it first: read their pointer.
  }
  throw new Error(`could not settle the open incident of ${canaryId}`);
}

/**
 * How the alert pipeline reads a source (bot/alerts/source.ts), passed in: the country table it
 * uses belongs in the alert bundle only, and every bundle carries the store.
 */
export interface Sources {
  classify(e: TrailEvent): { class: SourceClass };
  describe(e: TrailEvent): FirstEvent;
}

/** The map entries one event is counted under. */
interface Entries {
  action: string;
  ip: string;
  source: SourceClass;
}

interface Tracked {
  actions: Set<string>;
  ips: Set<string>;
}

/** A key that fits the cap: itself if tracked or if there is room, else "other". */
function entryFor(tracked: Set<string>, key: string, cap: number): string {
  if (tracked.has(key)) return key;
  const real = tracked.size - (tracked.has(OTHER) ? 1 : 0);
  const room = cap - 1 - real; // one entry is kept for "other"
  tracked.add(room > 0 ? key : OTHER);
  return room > 0 ? key : OTHER;
}

/** Which entries each event counts under, and the chunks that keep each update within bounds. */
function plan(events: TrailEvent[], present: Tracked, sources: Sources): { entries: Map<string, Entries>; chunks: TrailEvent[][] } {
  const tracked = { actions: new Set(present.actions), ips: new Set(present.ips) };
  const entries = new Map<string, Entries>();
  const chunks: TrailEvent[][] = [];
  let chunk: TrailEvent[] = [];
  let clauses = new Set<string>();
  for (const e of events) {
    const k = {
      action: entryFor(tracked.actions, cut(actionOf(e), KEY_MAX), MAX_TRACKED_ACTIONS),
      ip: entryFor(tracked.ips, ipEntry(e.sourceIp), MAX_TRACKED_IPS),
      source: sources.classify(e).class,
    };
    entries.set(e.eventId, k);
    const mine = [`a${k.action}`, `i${k.ip}`, `s${k.source}`];
    if (chunk.length === CHUNK || clauses.size + mine.filter((c) => !clauses.has(c)).length > MAX_ENTRY_CLAUSES) {
      chunks.push(chunk);
      chunk = [];
      clauses = new Set();
    }
    chunk.push(e);
    mine.forEach((c) => clauses.add(c));
  }
  if (chunk.length) chunks.push(chunk);
  return { entries, chunks };
}

/**
 * Increments of map entries. DynamoDB's ADD works only on top-level attributes, so nested
 * counters are SET to if_not_exists(..., 0) + n. Map keys become expression attribute names, so
 * any string (IPv6, odd service names) is safe.
 */
function addCounts(
  prefix: string,
  attr: string,
  counts: Map<string, number>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string[] {
  return [...counts].map(([k, n], i) => {
    names[`#${prefix}${i}`] = encodeKey(k);
    values[`:${prefix}${i}`] = n;
    return `${attr}.#${prefix}${i} = if_not_exists(${attr}.#${prefix}${i}, :zero) + :${prefix}${i}`;
  });
}

const tally = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

/** A concurrent writer added entries since we read the incident: plan again from a fresh read. */
class IncidentMoved extends Error {
  override name = 'IncidentMoved';
}

/**
 * Commits one chunk: every event's dedupe item and the counter updates in one transaction, so a
 * crash or a redelivery can neither lose nor double one. Returns the events that were new.
 */
async function commitOnce(
  { ddb, table }: Db,
  events: TrailEvent[],
  now: number,
  counterUpdates: (chunk: TrailEvent[]) => TransactItem[],
): Promise<TrailEvent[]> {
  let chunk = events;
  for (let attempt = 0; chunk.length; attempt++) {
    try {
      await ddb.send(
        new TransactWriteCommand({ TransactItems: [...chunk.map((e) => dedupePut(table, e, now)), ...counterUpdates(chunk)] }),
      );
      return chunk;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException) || attempt === 7) throw err;
      const reasons = err.CancellationReasons ?? [];
      const duplicates = new Set(chunk.filter((_, j) => reasons[j]?.Code === 'ConditionalCheckFailed').map((e) => e.eventId));
      if (duplicates.size) chunk = chunk.filter((e) => !duplicates.has(e.eventId));
      else if (reasons[chunk.length]?.Code === 'ConditionalCheckFailed') throw new IncidentMoved();
      // A conflict with a concurrent transaction on the same counters: back off and retry.
      else if (reasons.some((r) => r.Code === 'TransactionConflict')) await backoff(attempt);
      else throw err;
    }
  }
  return [];
}

const dedupePut = (table: string, e: TrailEvent, now: number): TransactItem => ({
  Put: {
    TableName: table,
    Item: { ...eventOnceKey(e.eventId), [TTL_ATTRIBUTE]: expiresIn(EVENT_DEDUPE_SECONDS, now) },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

const uniqueEvents = (events: TrailEvent[]) => [...new Map(events.map((e) => [e.eventId, e])).values()];

/** Counts events into the incident, each exactly once. Returns the events that were new. */
export async function countEvents(
  db: Db,
  canary: Pick<CanaryRecord, 'id' | 'loggedUse'>,
  seq: number,
  events: TrailEvent[],
  now: number,
  sources: Sources,
): Promise<TrailEvent[]> {
  const canaryId = canary.id;
  let loggedUse = canary.loggedUse;
  const counted: TrailEvent[] = [];
  let rest = uniqueEvents(events);
  for (let replan = 0; rest.length; replan++) {
    const inc = await getIncident(db, canaryId, seq);
    const present: Tracked = { actions: new Set(Object.keys(inc?.actions ?? {})), ips: new Set(Object.keys(inc?.ips ?? {})) };
    const { entries, chunks } = plan(rest, present, sources);
    const done = new Set<string>();
    try {
      for (const chunk of chunks) {
        const use = extendLoggedUse(
          loggedUse,
          chunk.map((e) => e.eventTime),
        );
        counted.push(
          ...(await commitOnce(db, chunk, now, (c) => countTransaction(db.table, canaryId, seq, c, entries, present, use, now, sources))),
        );
        loggedUse = use;
        for (const e of chunk) {
          done.add(e.eventId);
          present.actions.add(entries.get(e.eventId)!.action);
          present.ips.add(entries.get(e.eventId)!.ip);
        }
      }
      rest = [];
    } catch (err) {
      if (!(err instanceof IncidentMoved) || replan === 4) throw err;
      rest = rest.filter((e) => !done.has(e.eventId));
    }
  }
  // Cosmetic (first and last seen), and the counts are in: a failure here must not fail the batch.
  if (counted.length)
    await widenSeenWindow(db, canaryId, seq, counted).catch((err: unknown) =>
      log.warn('could not widen first/last seen', { canaryId, error: errorName(err) }),
    );
  return counted;
}

/**
 * Counts calls from a suppressed source against its suppression, each exactly once, and when
 * they were made: the silent-use net reads that to explain the key's use.
 */
export async function countSuppressed(
  db: Db,
  canary: Pick<CanaryRecord, 'id' | 'loggedUse'>,
  suppressionId: string,
  events: TrailEvent[],
  now: number,
): Promise<TrailEvent[]> {
  const counted: TrailEvent[] = [];
  const unique = uniqueEvents(events);
  let loggedUse = canary.loggedUse;
  for (let i = 0; i < unique.length; i += CHUNK) {
    const use = extendLoggedUse(
      loggedUse,
      unique.slice(i, i + CHUNK).map((e) => e.eventTime),
    );
    const update = (chunk: TrailEvent[]): TransactItem[] => [
      {
        Update: {
          TableName: db.table,
          Key: canaryKey(canary.id),
          UpdateExpression: 'SET suppressions.#id.hits = if_not_exists(suppressions.#id.hits, :zero) + :n, loggedUse = :use',
          ExpressionAttributeNames: { '#id': suppressionId },
          ExpressionAttributeValues: { ':n': chunk.length, ':zero': 0, ':use': use },
        },
      },
    ];
    counted.push(...(await commitOnce(db, unique.slice(i, i + CHUNK), now, update)));
    loggedUse = use;
  }
  return counted;
}

function countTransaction(
  table: string,
  canaryId: string,
  seq: number,
  chunk: TrailEvent[],
  entries: Map<string, Entries>,
  present: Tracked,
  use: LoggedUse | undefined,
  now: number,
  sources: Sources,
): TransactItem[] {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':n': chunk.length, ':now': now, ':zero': 0 };
  const mine = chunk.map((e) => entries.get(e.eventId)!);
  const actions = tally(mine.map((k) => k.action));
  const ips = tally(mine.map((k) => k.ip));
  const first = chunk[0]!;
  values[':first'] = sources.describe(first);
  values[':min'] = chunk.reduce((m, e) => (e.eventTime < m ? e.eventTime : m), first.eventTime);
  // The caps hold under concurrency too: the update applies only if the maps have room for the
  // entries this chunk adds; otherwise another writer added some, and we plan again.
  const added = (counts: Map<string, number>, have: Set<string>) => [...counts.keys()].filter((k) => !have.has(k)).length;
  const limit = (cap: number, have: Set<string>, adds: number) => Math.max(cap - adds, have.size);
  values[':amax'] = limit(MAX_TRACKED_ACTIONS, present.actions, added(actions, present.actions));
  values[':imax'] = limit(MAX_TRACKED_IPS, present.ips, added(ips, present.ips));
  const sets = [
    ...addCounts('a', 'actions', actions, names, values),
    ...addCounts('i', 'ips', ips, names, values),
    ...addCounts('s', 'sources', tally(mine.map((k) => k.source)), names, values),
    'firstEvent = if_not_exists(firstEvent, :first)',
    'firstSeen = if_not_exists(firstSeen, :min)',
    'lastEventAt = :now',
  ];
  const update = `ADD calls :n SET ${sets.join(', ')}`;
  assertWithinLimits(update);
  return [
    {
      Update: {
        TableName: table,
        Key: incidentKey(canaryId, seq),
        UpdateExpression: update,
        ConditionExpression: 'size(actions) <= :amax AND size(ips) <= :imax',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    {
      // Keeps the incident open (the quiet period counts from the last event), and records the
      // calls for the silent-use net.
      Update: {
        TableName: table,
        Key: canaryKey(canaryId),
        UpdateExpression: 'SET openIncident.lastEventAt = :now, loggedUse = :use',
        ExpressionAttributeValues: { ':now': now, ':use': use },
      },
    },
  ];
}

/** DynamoDB has no MIN/MAX: out-of-order events move first/last seen with conditional writes. */
async function widenSeenWindow({ ddb, table }: Db, canaryId: string, seq: number, events: TrailEvent[]): Promise<void> {
  const times = events.map((e) => e.eventTime).sort();
  const set = (attr: string, value: string, cmp: '<' | '>') =>
    applied(
      ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: incidentKey(canaryId, seq),
          UpdateExpression: `SET ${attr} = :v`,
          ConditionExpression: `attribute_not_exists(${attr}) OR ${attr} ${cmp} :v`,
          ExpressionAttributeValues: { ':v': value },
        }),
      ),
    );
  await Promise.all([set('firstSeen', times[0]!, '>'), set('lastSeen', times[times.length - 1]!, '<')]);
}
