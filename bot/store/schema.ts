/**
 * The single DynamoDB table's shape: the keys of every item, shared by the store, `npm run
 * local:bootstrap` and the CDK app so the three never disagree. Only bot/store builds keys.
 *
 *   canary      pk=CANARY#<id>      sk=META                   gsi1: CANARY / <createdAt>#<id>
 *   incident    pk=CANARY#<id>      sk=INCIDENT#<seq, 6 digits>
 *   audit       pk=CANARY#<id>      sk=AUDIT#<at>#<random>
 *   refusals    pk=CANARY#<id>      sk=REFUSALS#<hour>        a counter, expiresAt
 *   alias       pk=ALIAS#<alias>    sk=ALIAS                  canaryId (what events name -> the canary)
 *   once        pk=<JOB#|EVENT#|..> sk=ONCE                   expiresAt (at-least-once dedupe, TTL)
 *   degraded    pk=DEGRADED#<id>    sk=ONCE                   the last degraded alert, expiresAt
 *   lock        pk=LOCK#<name>      sk=LOCK                   owner, expiresAt
 *   org         pk=ORG              sk=ACCOUNTS               the organization's accounts (organization mode)
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** Lists canaries newest first without a Scan. */
export const LIST_INDEX = { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' } as const;

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

/** The partition that holds a canary's record, incidents and audit trail. */
export const canaryPartition = CANARY;
export const isCanaryItem = (sk: unknown) => sk === 'META';
export const isIncidentItem = (sk: unknown) => String(sk).startsWith('INCIDENT#');
export const isAuditItem = (sk: unknown) => String(sk).startsWith('AUDIT#');

/** Epoch seconds `seconds` from `nowMs`, as the TTL attribute takes it. */
export const expiresIn = (seconds: number, nowMs = Date.now()) => Math.floor(nowMs / 1000) + seconds;
