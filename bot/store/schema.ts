/**
 * The single DynamoDB table's shape: the keys of every item, shared by the store, `npm run
 * local:bootstrap` and the CDK app so the three never disagree. Only bot/store builds keys.
 *
 *   canary      pk=CANARY#<id>      sk=META                   gsi1: CANARY / <createdAt>#<id>
 *                                                             gsi2: <status>#<kind> / the same sort key
 *                                                             gsi3: <account>#<status>#<kind> / the same sort key
 *   incident    pk=CANARY#<id>      sk=INCIDENT#<seq, 6 digits>
 *   audit       pk=CANARY#<id>      sk=AUDIT#<at>#<random>
 *   refusals    pk=CANARY#<id>      sk=REFUSALS#<hour>        a counter, expiresAt
 *   alias       pk=ALIAS#<alias>    sk=ALIAS                  canaryId (what events name -> the canary)
 *   once        pk=<JOB#|EVENT#|..> sk=ONCE                   expiresAt (at-least-once dedupe, TTL)
 *   degraded    pk=DEGRADED#<id>    sk=ONCE                   the last degraded alert, expiresAt
 *   lock        pk=LOCK#<name>      sk=LOCK                   owner, expiresAt
 *   org         pk=ORG              sk=ACCOUNTS               the organization's accounts (organization mode)
 *   list keys   pk=SCHEMA           sk=LIST_KEYS              version: every canary carries gsi2/gsi3 (see repairListKeys)
 *   check run   pk=CHECKRUN#<id>    sk=RUN                    an audit's counters: parts, done, checked, findings; expiresAt
 *   run part    pk=CHECKRUN#<id>    sk=PART#<part>            one work item's findings and what it could not check
 *   sweep       pk=SWEEP#<account>  sk=SWEEP                  the silent-use net's current pass over an account's keys
 *   last run    pk=CHECKRUN         sk=LAST#<kind>            the newest run of a kind, so the next one can say what it missed
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** Lists canaries newest first without a Scan. */
export const LIST_INDEX = { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' } as const;

/**
 * The list's filters (`/canary list --status --kind --account`), each combination served by a
 * Query, newest first, without a Scan or a filter DynamoDB reads past:
 *
 *   gsi1  CANARY                      every canary (the default view: one Query)
 *   gsi2  <status>#<kind>             status and/or kind
 *   gsi3  <account>#<status>#<kind>   an account, with or without status and kind (`home`: no account)
 *
 * All three share the sort key `<createdAt>#<id>`, so a page is "newest first, older than the
 * cursor" in any partition of any of them. A combination that fixes every part of a partition
 * key is one Query (none, status+kind, account+status+kind); one that leaves a part open reads
 * the few partitions it spans in parallel (status: 4 values, kind: 3) and merges them on the
 * shared sort key: `--status active` reads 3 partitions, `--account` alone 12. Why not a sort key
 * like `<account>#<kind>#<created>` under a status partition: begins_with on it returns a status's
 * canaries grouped by account and kind, not newest first, and serves no kind without an account.
 * Why not one index per combination (7): CloudFormation and DynamoDB create one GSI per table
 * update, and every index costs a write on each change of the record. An account's canaries get
 * their own index (gsi3) rather than a filter over gsi2 because one account may hold thousands.
 *
 * The partition values are derived from status, kind and account (canaryListKeys): every write
 * that sets one of them sets the keys too (putNewCanary, and settle, for disabled and retired;
 * kind and account never change). Records written before these indexes lack the keys:
 * repairListKeys (the daily audit) writes them, and until a full pass has recorded LIST_KEYS_VERSION
 * in the list-keys item, filtered lists read gsi1 and filter there, correct but slower.
 */
export const STATUS_INDEX = { name: 'gsi2', partition: 'gsi2pk', sort: LIST_INDEX.sort } as const;
export const ACCOUNT_INDEX = { name: 'gsi3', partition: 'gsi3pk', sort: LIST_INDEX.sort } as const;
/** Every index on the table, in the order they were added (bootstrap adds missing ones in this order). */
export const INDEXES = [LIST_INDEX, STATUS_INDEX, ACCOUNT_INDEX] as const;
export const LIST_KEYS_VERSION = 1;
export const listKeysKey: Key = { pk: 'SCHEMA', sk: 'LIST_KEYS' };

/** The values the list indexes partition on; a kind or status missing here is a unit test failure. */
export const LISTED_STATUSES = ['active', 'disabled', 'retired', 'unknown'] as const;
export const LISTED_KINDS = ['aws-key', 's3-object', 'ecr-image'] as const;
/** The account part of gsi3 for a canary with no account: it lives in the bot's own. */
export const HOME_ACCOUNT = 'home';

export const listSortKey = (c: { createdAt: string; id: string }) => `${c.createdAt}#${c.id}`;
export const statusPartition = (status: string, kind: string) => `${status}#${kind}`;
export const accountPartition = (account: string | undefined, status: string, kind: string) =>
  `${account || HOME_ACCOUNT}#${status}#${kind}`;

/** The index attributes of a canary record, from the fields they derive from. */
export const canaryListKeys = (c: { id: string; createdAt: string; status: string; kind: string; account?: string }) => ({
  [LIST_INDEX.partition]: 'CANARY',
  [LIST_INDEX.sort]: listSortKey(c),
  [STATUS_INDEX.partition]: statusPartition(c.status, c.kind),
  [ACCOUNT_INDEX.partition]: accountPartition(c.account, c.status, c.kind),
});

/** Epoch seconds; DynamoDB deletes expired dedupe items on its own. */
export const TTL_ATTRIBUTE = 'expiresAt';

export type Key = { pk: string; sk: string };

const CANARY = (id: string) => `CANARY#${id}`;
export const canaryKey = (id: string): Key => ({ pk: CANARY(id), sk: 'META' });
export const incidentKey = (canaryId: string, seq: number): Key => ({
  pk: CANARY(canaryId),
  sk: `INCIDENT#${String(seq).padStart(6, '0')}`,
});
export const auditKey = (canaryId: string, at: string, random: string): Key => ({ pk: CANARY(canaryId), sk: `AUDIT#${at}#${random}` });
export const refusalsKey = (canaryId: string, hour: string): Key => ({ pk: CANARY(canaryId), sk: `REFUSALS#${hour}` });
export const aliasKey = (alias: string): Key => ({ pk: `ALIAS#${alias}`, sk: 'ALIAS' });
export const onceKey = (key: string): Key => ({ pk: key, sk: 'ONCE' });
export const eventOnceName = (eventId: string) => `EVENT#${eventId}`;
export const eventOnceKey = (eventId: string): Key => onceKey(eventOnceName(eventId));
export const degradedKey = (canaryId: string): Key => ({ pk: `DEGRADED#${canaryId}`, sk: 'ONCE' });
export const lockKey = (name: string): Key => ({ pk: `LOCK#${name}`, sk: 'LOCK' });
export const orgAccountsKey: Key = { pk: 'ORG', sk: 'ACCOUNTS' };
export const runKey = (runId: string): Key => ({ pk: `CHECKRUN#${runId}`, sk: 'RUN' });
export const runPartKey = (runId: string, part: string): Key => ({ pk: `CHECKRUN#${runId}`, sk: `PART#${part}` });
export const runPartPrefix = 'PART#';
export const lastRunKey = (kind: string): Key => ({ pk: 'CHECKRUN', sk: `LAST#${kind}` });
export const sweepKey = (account: string): Key => ({ pk: `SWEEP#${account || 'home'}`, sk: 'SWEEP' });

/** The partition that holds a canary's record, incidents and audit trail. */
export const canaryPartition = CANARY;
export const isCanaryItem = (sk: unknown) => sk === 'META';
export const isIncidentItem = (sk: unknown) => String(sk).startsWith('INCIDENT#');
export const isAuditItem = (sk: unknown) => String(sk).startsWith('AUDIT#');

/** Epoch seconds `seconds` from `nowMs`, as the TTL attribute takes it. */
export const expiresIn = (seconds: number, nowMs = Date.now()) => Math.floor(nowMs / 1000) + seconds;
