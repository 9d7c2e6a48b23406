import { loadConfig, requireSlackIdentity } from '../bot/config';
import { runJob } from '../bot/jobs';
import { createRuntime } from '../bot/runtime';
import { initialise } from '../bot/secrets';

/** Async invocations from the slack handler: the payload is a bot/jobs.ts Job. */
export const ready = initialise(() => {
  const config = loadConfig();
  requireSlackIdentity(config); // its answers go to response_urls of this workspace only
  return { runtime: createRuntime(config) };
});

export const handler = async (event: unknown): Promise<void> => runJob((await ready).runtime, event);
