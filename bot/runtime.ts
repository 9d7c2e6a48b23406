import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { clientOptions, createTableStore } from './aws';
import type { Config } from './config';
import type { Runtime } from './deps';
import { errorText } from './errors';
import { invokeJobsFunction, runJob } from './jobs';
import { reportJobFailure } from './job-failure';
import { log } from './log';
import { createWebClient } from './slack-client';
import type { Store } from './store';

/** The slack, jobs and audit handlers' dependencies (the Runtime of bot/deps.ts), built once per process at module scope. */
export function createRuntime(config: Config, store: Store = createTableStore(config.region, config.table)): Runtime {
  const pending = new Set<Promise<void>>();
  const rt: Runtime = {
    config,
    store,
    aws: { iam: new IAMClient(clientOptions(config.region)), lambda: new LambdaClient(clientOptions(config.region)) },
    slack: createWebClient(config),
    dispatch: async (job) => {
      if (config.jobsFunctionName) return invokeJobsFunction(rt, job);
      // setImmediate lets the listener's ack go out first, as it would with a separate Lambda.
      const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => runJob(rt, job))
        .catch((err: unknown) => reportJobFailure(rt, job, errorText(err)))
        .catch((err: unknown) =>
          log.error('could not report a failed job', { type: job.type, error: err instanceof Error ? err.message : String(err) }),
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    jobsIdle: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
  };
  return rt;
}
