import { App } from '@slack/bolt';
import type { Receiver } from '@slack/bolt';
import { createAdminCheck } from './admins';
import { canaryCommand, listMore } from './listeners/canary-command';
import { mintModalSubmit } from './listeners/mint-modal';
import { registerTriage } from './listeners/triage';
import { boltLogger } from './bolt-logger';
import { log } from './log';
import type { Runtime } from './deps';
import { LIST_MORE_ACTION } from './views/list';
import { MINT_MODAL_ID } from './views/mint-modal';

export type Transport = { receiver: Receiver } | { socketMode: { appToken: string } };

/**
 * The Bolt app, shared by the Lambda handler (AwsLambdaReceiver) and `npm start` (Socket Mode).
 * No Slack call happens at construction: the token is handed over by `authorize` rather than
 * checked with auth.test, so a cold start costs no round trip.
 */
export function createSlackApp(rt: Runtime, transport: Transport): App {
  const { config } = rt;
  const app = new App({
    ...('receiver' in transport ? { receiver: transport.receiver } : { socketMode: true, appToken: transport.socketMode.appToken }),
    authorize: async () => ({ botToken: config.botToken }),
    // The bot subscribes to no message events, which is all ignoreSelf filters; it would need
    // the bot's own ids, i.e. an auth.test call.
    ignoreSelf: false,
    logger: boltLogger(),
    clientOptions: {
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      // Listener calls must fit in Slack's 3 s: one quick retry, no sleeping out a rate limit.
      retryConfig: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 300 },
      rejectRateLimitedCalls: true,
      timeout: 2000,
    },
  });
  const isAdmin = createAdminCheck(config, app.client);
  app.command('/canary', canaryCommand(rt, isAdmin));
  app.view(MINT_MODAL_ID, mintModalSubmit(rt, isAdmin));
  app.action(LIST_MORE_ACTION, listMore(rt, isAdmin));
  registerTriage(app, rt, isAdmin);
  app.error(async (err) => {
    log.error('unhandled listener error', { error: err.message, code: (err as { code?: string }).code });
  });
  return app;
}
