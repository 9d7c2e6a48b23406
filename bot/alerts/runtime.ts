import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { createWebClient } from '../slack-client';

/**
 * What the alert handler needs: DynamoDB, its own queue (for delayed flushes), Slack, and IAM
 * for automatic containment. No Lambda, no Bolt: the alert bundle stays small.
 */
export interface AlertRuntime {
  config: Config;
  aws: { ddb: DynamoDBDocumentClient; sqs: SQSClient; iam: IAMClient };
  slack: WebClient;
  updateIntervalMs: number;
}

export function createAlertRuntime(config: Config): AlertRuntime {
  const common = { region: config.region, maxAttempts: 3 };
  return {
    config,
    aws: {
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient(common), { marshallOptions: { removeUndefinedValues: true } }),
      sqs: new SQSClient(common),
      iam: new IAMClient(common),
    },
    slack: createWebClient(config),
    updateIntervalMs: config.alertUpdateSeconds * 1000,
  };
}
