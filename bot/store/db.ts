import { ConditionalCheckFailedException, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What every store operation works on: the client and the table, bound once (store/index.ts). */
export interface Db {
  ddb: DynamoDBDocumentClient;
  table: string;
}

/** A conditional write: true when it applied, false when its condition did not hold. */
export async function applied(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** A transaction refused because one of its conditions did not hold (not a conflict or a limit). */
export const conditionFailedIn = (err: unknown): err is TransactionCanceledException =>
  err instanceof TransactionCanceledException && (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

/**
 * DynamoDB refuses a plain write to an item a transaction holds (TransactionConflictException),
 * and the SDK does not retry that: in a flood the counting transactions hold the incident most of
 * the time. A few short, jittered retries.
 */
export async function retryConflicts<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TransactionConflictException) || attempt === 5) throw err;
      await backoff(attempt);
    }
  }
}

export const backoff = (attempt: number) => new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));

/** Only the values and names an expression uses: DynamoDB refuses unused or empty maps. */
export const params = (values: Record<string, unknown>, names?: Record<string, string>) => ({
  ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  ...(names && Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
});
