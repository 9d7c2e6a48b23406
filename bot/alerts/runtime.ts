import { IAMClient } from '@aws-sdk/client-iam';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, createTableStore } from '../aws';
import type { Config } from '../config';
import type { Core, WithAws, WithSlack } from '../deps';
import { createWebClient } from '../slack-client';
import { countingIn } from '../store';
import type { Counting } from '../store';

/**
 * What the alert handler needs: the store, its own queue (for delayed flushes), Slack, and IAM
 * for automatic containment. No Lambda, no Bolt: the alert bundle stays small.
 */
export type AlertRuntime = Core &
  WithAws<'iam' | 'sqs'> &
  WithSlack & {
    /** The store's counting verbs (only this function counts). */
    counting: Counting;
    updateIntervalMs: number;
  };

export function createAlertRuntime(config: Config): AlertRuntime {
  const store = createTableStore(config.region, config.table);
  return {
    config,
    store,
    counting: countingIn(store),
    aws: { sqs: new SQSClient(clientOptions(config.region)), iam: new IAMClient(clientOptions(config.region)) },
    slack: createWebClient(config),
    updateIntervalMs: config.alertUpdateSeconds * 1000,
  };
}
