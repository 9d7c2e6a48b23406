import { WebClient } from '@slack/web-api';
import type { Config } from './config';

/**
 * The Web API client for the alert and jobs handlers, imported from @slack/web-api rather than
 * through Bolt so those bundles carry no Bolt. Rate limits are waited out (Slack's Retry-After)
 * a bounded number of times; past that the call fails and the queue redelivers the message,
 * which is where long retries belong.
 */
export function createWebClient(config: Config): WebClient {
  return new WebClient(config.botToken, {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000, maxRetryTime: 20_000 },
    timeout: 10_000,
  });
}
