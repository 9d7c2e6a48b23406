import { loadConfig } from '../bot/config';
import { runJob } from '../bot/jobs';
import { createRuntime } from '../bot/runtime';

/** Async invocations from the slack handler: the payload is a bot/jobs.ts Job. */
export const runtime = createRuntime(loadConfig());

export const handler = async (event: unknown): Promise<void> => runJob(runtime, event);
