import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { CanaryRecord } from '../model/canary';
import { applied, conditionFailedIn } from './db';
import type { Db } from './db';
import { toRecord } from './codec';
import { TTL_ATTRIBUTE, canaryKey, expiresIn, lastRunKey, runKey, runPartKey, runPartPrefix, sweepKey } from './schema';

/**
 * The self-checks' state, so work spread over many invocations adds up exactly once: a run's
 * counters (every part finishing adds its figures once, however often SQS delivers it), each
 * part's findings (kept as it finishes: a later timeout loses none of them), and the silent-use
 * net's pass over each account.
 */
export interface CheckFinding {
  scope: string;
  problem: string;
  fix: string;
}

export interface CheckRun {
  runId: string;
  kind: 'audit';
  startedAt: string;
  /** Canaries the run set out to check. */
  total: number;
  /** Work items made so far (retries add to it), and finished. */
  parts: number;
  done: number;
  checked: number;
  findings: number;
  /** Where /canary audit answers (a capability: never logged). */
  responseUrl?: string;
  /** Progress said so far, in quarters: response_url takes five uses. */
  shown?: number;
  reported?: string;
  /** Set once the report reached Slack; until then a repeat delivery says it again. */
  posted?: string;
}

/** A canary as a report names it. */
export interface NamedRef {
  id: string;
  location: string;
  expiresOn?: string;
}

export interface PartResult {
  /** Set by finishPart. */
  part?: string;
  checked: number;
  findings: CheckFinding[];
  /** Canaries the part gave up on (throttled past every retry), by id. */
  unchecked: string[];
  retired: string[];
  /** The canaries it checked, so the next run can name what an unfinished one missed. */
  ids?: string[];
  /** The canaries it handed to a new part (throttled), so a repeat delivery sends that part again. */
  handedOn?: string[];
  notes?: string[];
  expiring?: NamedRef[];
  retiredNamed?: NamedRef[];
}

const RUN_TTL_SECONDS = 30 * 86_400;

/** A run; the daily one (no responseUrl) also becomes the one the next daily run looks back at. */
export async function startRun({ ddb, table }: Db, run: Omit<CheckRun, 'done' | 'checked' | 'findings'>): Promise<void> {
  const expiry = { [TTL_ATTRIBUTE]: expiresIn(RUN_TTL_SECONDS) };
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { ...runKey(run.runId), ...run, done: 0, checked: 0, findings: 0, ...expiry } } },
        ...(run.responseUrl
          ? []
          : [{ Put: { TableName: table, Item: { ...lastRunKey(run.kind), runId: run.runId, startedAt: run.startedAt } } }]),
      ],
    }),
  );
}

/** A part's recorded result, if it finished already (a repeat delivery). */
export async function getPart({ ddb, table }: Db, runId: string, part: string): Promise<PartResult | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: runPartKey(runId, part), ConsistentRead: true }));
  return out.Item as PartResult | undefined;
}

/** The report reached Slack. */
export async function markPosted({ ddb, table }: Db, runId: string, at: string): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: runKey(runId),
      UpdateExpression: 'SET posted = :at',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}

export async function getRun({ ddb, table }: Db, runId: string): Promise<CheckRun | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: table, Key: runKey(runId), ConsistentRead: true }));
  return out.Item as CheckRun | undefined;
}

export async function lastRun(db: Db, kind: CheckRun['kind']): Promise<CheckRun | undefined> {
  const out = await db.ddb.send(new GetCommand({ TableName: db.table, Key: lastRunKey(kind) }));
  return out.Item ? getRun(db, String(out.Item.runId)) : undefined;
}

/**
 * Records a part's result and adds it to the run's counters, with the parts it hands on, once: a
 * repeat delivery of a part already recorded changes nothing and answers undefined. Otherwise the
 * run as it stands now.
 */
export async function finishPart({ ddb, table }: Db, runId: string, part: string, result: PartResult): Promise<CheckRun | undefined> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...runPartKey(runId, part), ...result, part, [TTL_ATTRIBUTE]: expiresIn(RUN_TTL_SECONDS) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: table,
              Key: runKey(runId),
              UpdateExpression: 'ADD done :one, parts :k, checked :c, findings :f',
              ExpressionAttributeValues: {
                ':one': 1,
                ':k': result.handedOn?.length ? 1 : 0,
                ':c': result.checked,
                ':f': result.findings.length,
              },
            },
          },
        ],
      }),
    );
  } catch (err) {
    if (conditionFailedIn(err)) return undefined;
    throw err;
  }
  return getRun({ ddb, table }, runId);
}

/** Every part's result so far. */
export async function runResults({ ddb, table }: Db, runId: string): Promise<PartResult[]> {
  const out: PartResult[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': runKey(runId).pk, ':s': runPartPrefix },
        ExclusiveStartKey: start,
      }),
    );
    out.push(...((page.Items ?? []) as PartResult[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The one caller that may post the finished run's report: true once, when every part is done. */
export function claimReport({ ddb, table }: Db, runId: string, at: string): Promise<boolean> {
  return applied(
    ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: runKey(runId),
        UpdateExpression: 'SET reported = :at',
        ConditionExpression: 'attribute_not_exists(reported) AND done >= parts',
        ExpressionAttributeValues: { ':at': at },
      }),
    ),
  );
}

/** Claims the right to say the run's progress at `quarter` (1 to 3), once. */
export function claimProgress({ ddb, table }: Db, runId: string, quarter: number): Promise<boolean> {
  return applied(
    ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: runKey(runId),
        UpdateExpression: 'SET shown = :q',
        ConditionExpression: '(attribute_not_exists(shown) OR shown < :q) AND attribute_not_exists(reported)',
        ExpressionAttributeValues: { ':q': quarter },
      }),
    ),
  );
}

/**
 * Items by key, 100 to a BatchGetItem, whatever DynamoDB leaves unprocessed asked again with
 * backoff; one left unprocessed after every round is an error, never silently missing.
 */
async function batchGet({ ddb, table }: Db, keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let left: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let round = 0; left?.length; round++) {
      if (round > 8) throw new Error('DynamoDB kept reads unprocessed');
      if (round) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      const page: BatchGetCommandOutput = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: left } } }));
      out.push(...(page.Responses?.[table] ?? []));
      left = page.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return out;
}

/** Canary records by id. */
export async function getCanaries(db: Db, ids: string[]): Promise<CanaryRecord[]> {
  return (await batchGet(db, ids.map(canaryKey))).map(toRecord);
}

/** The silent-use net's pass over one account's keys. */
export interface Sweep {
  account: string;
  sweepId: string;
  startedAt: string;
  parts: number;
  keys: number;
  /** The parts finished so far (a set: a repeat delivery adds nothing). */
  doneParts?: Set<string>;
  completedAt?: string;
  lateSaid?: string;
}

/**
 * Starts a pass over `account`'s keys unless one is under way: a pass may start when there is
 * none, when the last one finished and began at least `everyMs` ago, or when the last one began
 * more than `staleMs` ago (it died part way; what it missed was already said late).
 */
export function claimSweep(
  { ddb, table }: Db,
  sweep: Omit<Sweep, 'doneParts' | 'completedAt' | 'lateSaid'>,
  everyMs: number,
  staleMs: number,
): Promise<boolean> {
  const now = Date.parse(sweep.startedAt);
  return applied(
    ddb.send(
      new PutCommand({
        TableName: table,
        Item: { ...sweepKey(sweep.account), ...sweep },
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_exists(completedAt) AND startedAt <= :every) OR startedAt <= :stale',
        ExpressionAttributeValues: {
          ':every': new Date(now - everyMs).toISOString(),
          ':stale': new Date(now - staleMs).toISOString(),
        },
      }),
    ),
  );
}

export async function getSweeps(db: Db, accounts: string[]): Promise<Sweep[]> {
  return (await batchGet(db, accounts.map(sweepKey))) as unknown as Sweep[];
}

/**
 * One part of the pass finished (added to a set, so a repeat delivery counts once); the part that
 * finishes the pass marks it complete.
 */
export async function sweepPartDone({ ddb, table }: Db, account: string, sweepId: string, part: string, at: string): Promise<void> {
  const out = await ddb
    .send(
      new UpdateCommand({
        TableName: table,
        Key: sweepKey(account),
        UpdateExpression: 'ADD doneParts :p',
        ConditionExpression: 'sweepId = :s',
        ExpressionAttributeValues: { ':p': new Set([part]), ':s': sweepId },
        ReturnValues: 'ALL_NEW',
      }),
    )
    .catch((err: unknown) => {
      // A newer pass took over (this one was stale): its counters are not ours to move.
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    });
  const s = out?.Attributes as (Sweep & { doneParts?: Set<string> }) | undefined;
  if (s && (s.doneParts?.size ?? 0) >= s.parts)
    await applied(
      ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: sweepKey(account),
          UpdateExpression: 'SET completedAt = :at',
          ConditionExpression: 'sweepId = :s AND attribute_not_exists(completedAt)',
          ExpressionAttributeValues: { ':at': at, ':s': sweepId },
        }),
      ),
    );
}

/** More parts for a pass (a part handing on what throttling kept it from). */
export async function addSweepParts({ ddb, table }: Db, account: string, sweepId: string, n: number): Promise<void> {
  await applied(
    ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: sweepKey(account),
        UpdateExpression: 'ADD parts :n',
        ConditionExpression: 'sweepId = :s',
        ExpressionAttributeValues: { ':n': n, ':s': sweepId },
      }),
    ),
  );
}

/** A pass that ran past its window is said once. */
export function claimSweepLate({ ddb, table }: Db, account: string, sweepId: string, at: string): Promise<boolean> {
  return applied(
    ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: sweepKey(account),
        UpdateExpression: 'SET lateSaid = :at',
        ConditionExpression: 'sweepId = :s AND attribute_not_exists(lateSaid) AND attribute_not_exists(completedAt)',
        ExpressionAttributeValues: { ':at': at, ':s': sweepId },
      }),
    ),
  );
}
