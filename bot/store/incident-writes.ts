import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applied, params, retryConflicts } from './db';
import type { Db } from './db';
import { incidentKey } from './schema';

/** Writes to an incident item, for the store's incident verbs (incidents.ts, posting.ts); not verbs themselves. */

/** A conditional update of the incident, retried over transaction conflicts: true when this caller won. */
export function claimIncident(
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

export async function setIncident(
  db: Db,
  canaryId: string,
  seq: number,
  expression: string,
  values: Record<string, unknown> = {},
): Promise<void> {
  await retryConflicts(() =>
    db.ddb.send(
      new UpdateCommand({ TableName: db.table, Key: incidentKey(canaryId, seq), UpdateExpression: expression, ...params(values) }),
    ),
  );
}
