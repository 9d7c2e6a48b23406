import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WebClient } from '@slack/web-api';
import type { Config } from './config';
import type { Job } from './model/job';
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

/** Everything the slack, jobs and audit handlers need (built by bot/runtime.ts). */
export type Runtime = Core &
  WithAws<'iam' | 'lambda'> &
  WithSlack & {
    /** Hands a job to the jobs handler: an async Lambda invocation, or in process when unset. */
    dispatch(job: Job): Promise<void>;
    /** Resolves when in-process jobs have finished (tests, the sandbox). */
    jobsIdle(): Promise<void>;
  };
