import { IAMClient } from '@aws-sdk/client-iam';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientOptions, createTableStore } from '../aws';
import type { Config } from '../config';
import type { Core, WithAws, WithSlack } from '../deps';
import { createWebClient } from '../slack-client';
import { alertStoreOf } from '../store';
import type { AlertStore } from '../store';

/**
 * What the alert handler needs: the store, its own queue (for delayed flushes), Slack, and IAM
 * for automatic containment. No Lambda, no Bolt: the alert bundle stays small.
 */
export type AlertRuntime = Core &
  WithAws<'iam' | 'sqs'> &
  WithSlack & {
    /** The store's verbs only this function uses: counting, posting, the degraded alert. */
    alertStore: AlertStore;
    updateIntervalMs: number;
  };

export function createAlertRuntime(config: Config): AlertRuntime {
  const store = createTableStore(config.region, config.table);
  return {
    config,
    store,
    alertStore: alertStoreOf(store),
    aws: { sqs: new SQSClient(clientOptions(config.region)), iam: new IAMClient(clientOptions(config.region)) },
    slack: createWebClient(config),
    updateIntervalMs: config.alertUpdateSeconds * 1000,
  };
}
