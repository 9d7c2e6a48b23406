import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { clientOptions, createTableStore } from './aws';
import type { Config } from './config';
import type { Runtime } from './deps';
import { errorText } from './errors';
import { invokeJobsFunction } from './jobs-invoke';
import { log } from './log';
import { createWebClient } from './slack-client';
import type { Store } from './store';

/** The slack, jobs and audit handlers' dependencies (the Runtime of bot/deps.ts), built once per process at module scope. */
export function createRuntime(config: Config, store: Store = createTableStore(config.region, config.table)): Runtime {
  const pending = new Set<Promise<void>>();
  const rt: Runtime = {
    config,
    store,
    aws: lazyClients(config.region),
    slack: createWebClient(config),
    dispatch: async (job) => {
      if (config.jobsFunctionName) return invokeJobsFunction(rt, job);
      // setImmediate lets the listener's ack go out first, as it would with a separate Lambda.
      const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        // Imported here, not at the top: in Lambda jobs run in the jobs function, and the slack
        // function's cold start need not evaluate them (bench/cold-start.ts).
        .then(async () => (await import('./jobs')).runJob(rt, job))
        .catch(async (err: unknown) => (await import('./job-failure')).reportJobFailure(rt, job, errorText(err)))
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

/** The IAM and Lambda clients, each built on first use: a `/canary help` cold start builds neither. */
function lazyClients(region: string): Runtime['aws'] {
  let iam: IAMClient | undefined;
  let lambda: LambdaClient | undefined;
  return {
    get iam() {
      return (iam ??= new IAMClient(clientOptions(region)));
    },
    get lambda() {
      return (lambda ??= new LambdaClient(clientOptions(region)));
    },
  };
}
