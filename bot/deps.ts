import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WebClient } from '@slack/web-api';
import type { Config } from './config';
import type { Store } from './store';

/**
 * What the bot's functions take, composed from a few named parts so each says exactly what it
 * uses: `Core & WithIam & WithSlack`, say. Handlers build them once per process (bot/runtime.ts,
 * bot/alerts/runtime.ts); tests build them from the same parts.
 */
export interface Core {
  config: Config;
  store: Store;
}

/** The AWS clients beyond the store's, each created once per process. */
export interface AwsClients {
  iam: IAMClient;
  lambda: LambdaClient;
  sqs: SQSClient;
}

export type WithAws<K extends keyof AwsClients> = { aws: Pick<AwsClients, K> };
export type WithIam = WithAws<'iam'>;

/** Slack's Web API, with retries that suit where it runs. */
export interface WithSlack {
  slack: WebClient;
}
