import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStore } from './store';
import type { Store } from './store';

/**
 * How the bot's AWS clients are made. Endpoints come from the SDK's own configuration
 * (AWS_ENDPOINT_URL, AWS_REGION), so the same code talks to AWS, to moto in tests, and to the
 * offline sandbox. Clients are created once per process (bot/runtime.ts, bot/alerts/runtime.ts):
 * constructing them is cheap, but their connection pools are what keeps warm invocations fast.
 * Each runtime creates only the clients it uses, so a bundle carries no client it never calls.
 */
export const clientOptions = (region: string) => ({
  region,
  // Three attempts with the SDK's jittered backoff stays well inside Slack's 3 s for the calls a
  // listener makes; slow work runs in the jobs handler, which has a longer timeout.
  maxAttempts: 3,
});

export function createTableStore(region: string, table: string): Store {
  return createStore(
    DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(region)), { marshallOptions: { removeUndefinedValues: true } }),
    table,
  );
}
