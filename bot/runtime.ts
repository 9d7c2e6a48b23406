import { createAws } from './aws';
import type { Aws } from './aws';
import type { WebClient } from '@slack/web-api';
import type { Config } from './config';
import { invokeJobsFunction, runJob } from './jobs';
import type { Job } from './jobs';
import { reportJobFailure } from './job-failure';
import { log } from './log';
import { createWebClient } from './slack-client';

/** Everything a handler needs, built once per process at module scope. */
export interface Runtime {
  config: Config;
  aws: Aws;
  /** For jobs: thread replies and message updates, with retries that suit a background job. */
  slack: WebClient;
  /** Hands a job to the jobs handler: an async Lambda invocation, or in process when unset. */
  dispatch(job: Job): Promise<void>;
  /** Resolves when in-process jobs have finished (tests, the sandbox). */
  jobsIdle(): Promise<void>;
}

export function createRuntime(config: Config, aws: Aws = createAws(config.region)): Runtime {
  const pending = new Set<Promise<void>>();
  const rt: Runtime = {
    config,
    aws,
    slack: createWebClient(config),
    dispatch: async (job) => {
      if (config.jobsFunctionName) return invokeJobsFunction(rt, job);
      // setImmediate lets the listener's ack go out first, as it would with a separate Lambda.
      const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => runJob(rt, job))
        .catch((err: unknown) => reportJobFailure(rt, job, err instanceof Error ? `${err.name}: ${err.message}` : String(err)))
        .catch((err: unknown) => log.error('could not report a failed job', { type: job.type, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    jobsIdle: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
  };
  return rt;
}
