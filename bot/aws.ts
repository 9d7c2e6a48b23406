import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The AWS clients the core uses. Endpoints come from the SDK's own configuration
 * (AWS_ENDPOINT_URL, AWS_REGION), so the same code talks to AWS, to moto in tests, and to the
 * offline sandbox. Clients are created once per process: constructing them is cheap, but their
 * connection pools are what keeps warm invocations fast.
 */
export interface Aws {
  iam: IAMClient;
  ddb: DynamoDBDocumentClient;
  lambda: LambdaClient;
}

// Three attempts with the SDK's jittered backoff stays well inside Slack's 3 s for the calls a
// listener makes; slow work runs in the jobs handler, which has a longer timeout.
const common = { maxAttempts: 3 };

export function createAws(region: string): Aws {
  return {
    iam: new IAMClient({ ...common, region }),
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, region }), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    lambda: new LambdaClient({ ...common, region }),
  };
}

/** The AWS error name, whatever shape the SDK gave it. */
export function awsErrorName(err: unknown): string {
  return err instanceof Error ? err.name : 'UnknownError';
}
