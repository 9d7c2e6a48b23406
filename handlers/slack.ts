import { AwsLambdaReceiver } from '@slack/bolt';
import type { APIGatewayProxyStructuredResultV2, Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { boltLogger } from '../bot/bolt-logger';
import { loadConfig } from '../bot/config';
import { log } from '../bot/log';
import { createRuntime } from '../bot/runtime';
import { initialise } from '../bot/secrets';
import { createSlackApp } from '../bot/slack-app';

/** Lambda Function URL -> Bolt. Bolt verifies Slack's signature (5-minute window) and answers 401. */
export const ready = initialise(() => {
  const runtime = createRuntime(loadConfig());
  const receiver = new AwsLambdaReceiver({
    signingSecret: runtime.config.signingSecret,
    logger: boltLogger(),
    invalidRequestSignatureHandler: ({ ts }) => log.warn('request with a bad or stale Slack signature refused', { ts }),
  });
  createSlackApp(runtime, { receiver });
  return { runtime, bolt: receiver.toHandler() };
});

export const handler = async (event: LambdaFunctionURLEvent, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  const { bolt } = await ready;
  try {
    return (await bolt(event, context)) as APIGatewayProxyStructuredResultV2;
  } catch (err) {
    // Bolt parses the body before checking the signature and throws on a malformed one; that is
    // the client's fault, not ours, and must not look like an outage.
    log.warn('malformed request refused', { error: err instanceof Error ? err.name : 'unknown' });
    return { statusCode: 400, body: '' };
  }
};
