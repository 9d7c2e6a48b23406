import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Runtime } from './deps';
import type { Job } from './model/job';

/**
 * How the slack function hands a job to the jobs function: one asynchronous Invoke. Apart from
 * bot/jobs.ts (which runs the jobs), so the slack bundle's cold start does not evaluate every job.
 *
 * Async Lambda invocation: returns once Lambda has queued the event (HTTP 202).
 */
export async function invokeJobsFunction(rt: Pick<Runtime, 'aws' | 'config'>, job: Job): Promise<void> {
  const out = await rt.aws.lambda.send(
    new InvokeCommand({
      FunctionName: rt.config.jobsFunctionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(job)),
    }),
  );
  if (out.StatusCode !== 202) throw new Error(`Lambda queued the job with status ${out.StatusCode}`);
}
