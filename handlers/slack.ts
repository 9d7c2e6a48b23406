import { AwsLambdaReceiver } from '@slack/bolt';
import type { APIGatewayProxyStructuredResultV2, Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { boltLogger } from '../bot/bolt-logger';
import { loadConfig, requireSlackIdentity } from '../bot/config';
import { log } from '../bot/log';
import { createRuntime } from '../bot/runtime';
import { initialise } from '../bot/secrets';
import { createSlackApp } from '../bot/slack-app';
import { checkSlackRequest } from '../bot/slack-entry';

/**
 * Lambda Function URL -> bot/slack-entry (signature over the exact bytes, timestamp within 5 minutes
 * either way, this workspace and app only) -> Bolt, which verifies the signature again and answers.
 */
export const ready = initialise(() => {
  const config = loadConfig();
  const identity = { signingSecret: config.signingSecret, ...requireSlackIdentity(config) };
  const runtime = createRuntime(config);
  const receiver = new AwsLambdaReceiver({
    signingSecret: runtime.config.signingSecret,
    logger: boltLogger(),
    invalidRequestSignatureHandler: ({ ts }) => log.warn('request with a bad or stale Slack signature refused', { ts }),
  });
  createSlackApp(runtime, { receiver });
  return { runtime, identity, bolt: receiver.toHandler() };
});

export const handler = async (event: LambdaFunctionURLEvent, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const { identity, bolt } = await ready;
  const entry = checkSlackRequest(event, identity);
  if (!entry.ok) {
    log.warn('Slack request refused', { status: entry.statusCode, reason: entry.reason });
    return { statusCode: entry.statusCode, body: '' };
  }
  try {
    return (await bolt(entry.event, context)) as APIGatewayProxyStructuredResultV2;
  } catch (err) {
    // Bolt parses the body before checking the signature and throws on a malformed one; that is
    // the client's fault, not ours, and must not look like an outage.
    log.warn('malformed request refused', { error: err instanceof Error ? err.name : 'unknown' });
    return { statusCode: 400, body: '' };
  }
};
