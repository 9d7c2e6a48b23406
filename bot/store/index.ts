import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as auditTrail from './audit-trail';
import * as canaries from './canaries';
import * as counting from './counting';
import type { Db } from './db';
import * as incidents from './incidents';
import * as once from './once';

/**
 * The store: the only code that knows the table's keys and writes DynamoDB expressions (see
 * schema.ts for the items). Everything else speaks in its verbs, bound once to a client and a
 * table: `store.claimPending(id, { action: 'disable', by })`.
 */
const OPERATIONS = {
  ...canaries,
  ...incidents,
  ...counting,
  ...auditTrail,
  ...once,
};

type Operations = typeof OPERATIONS;
type Bound<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never;
type OperationName = { [K in keyof Operations]: Operations[K] extends (db: Db, ...args: never[]) => unknown ? K : never }[keyof Operations];

export type Store = { [K in OperationName]: Bound<Operations[K]> } & {
  readonly table: string;
  /** The client underneath, for SDK middleware only (tests inject DynamoDB's failures there). */
  readonly client: DynamoDBDocumentClient;
};

export function createStore(ddb: DynamoDBDocumentClient, table: string): Store {
  const db: Db = { ddb, table };
  const bound: Record<string, unknown> = { table, client: ddb };
  for (const [name, op] of Object.entries(OPERATIONS)) {
    if (typeof op === 'function' && op.length > 0) bound[name] = (...args: unknown[]) => (op as (db: Db, ...a: unknown[]) => unknown)(db, ...args);
  }
  return bound as Store;
}
