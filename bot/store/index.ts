import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as auditTrail from './audit-trail';
import * as canaries from './canaries';
import * as checks from './checks';
import * as counting from './counting';
import * as degraded from './degraded';
import type { Db } from './db';
import * as incidents from './incidents';
import { canaryPage, repairListKeys } from './listing';
import * as once from './once';
import * as orgAccounts from './org-accounts';
import * as posting from './posting';

/**
 * The store: the only code that knows the table's keys and writes DynamoDB expressions (see
 * schema.ts for the items). Everything else speaks in its verbs, bound once to a client and a
 * table: `store.claimPending(id, { action: 'disable', by })`.
 */
const OPERATIONS = { ...canaries, ...incidents, ...auditTrail, ...once, ...orgAccounts, ...checks, canaryPage, repairListKeys };

type Bound<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never;
type BoundAll<M> = { [K in keyof M as M[K] extends (db: Db, ...args: never[]) => unknown ? K : never]: Bound<M[K]> };

export type Store = BoundAll<typeof OPERATIONS> & {
  readonly table: string;
  /** The client underneath, for SDK middleware only (tests inject DynamoDB's failures there). */
  readonly client: DynamoDBDocumentClient;
};

/**
 * The alert function's part of the store: counting events into incidents, bringing them to Slack,
 * the degraded alert. Bound apart so that no other bundle carries it.
 */
export type AlertStore = BoundAll<typeof counting & typeof posting & typeof degraded>;

function bindAll<M extends object>(db: Db, operations: M): BoundAll<M> {
  const bound: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(operations)) {
    if (typeof op === 'function') bound[name] = (...args: unknown[]) => (op as (db: Db, ...a: unknown[]) => unknown)(db, ...args);
  }
  return bound as BoundAll<M>;
}

export function createStore(ddb: DynamoDBDocumentClient, table: string): Store {
  return { ...bindAll({ ddb, table }, OPERATIONS), table, client: ddb };
}

export function alertStoreOf(store: Store): AlertStore {
  // Spread here, not at module scope, so that bundles which never call this leave the three out.
  return bindAll({ ddb: store.client, table: store.table }, { ...counting, ...posting, ...degraded });
}
