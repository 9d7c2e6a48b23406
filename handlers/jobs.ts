import { loadConfig } from '../bot/config';
import { runJob } from '../bot/jobs';
import { createRuntime } from '../bot/runtime';
import { initialise } from '../bot/secrets';

/** Async invocations from the slack handler: the payload is a bot/jobs.ts Job. */
export const ready = initialise(() => ({ runtime: createRuntime(loadConfig()) }));

export const handler = async (event: unknown): Promise<void> => runJob((await ready).runtime, event);
