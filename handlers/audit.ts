import type { CloudFormationCustomResourceEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../bot/config';
import { answerDeployCheck, isCustomResourceEvent } from '../bot/deploy-check';
import { log } from '../bot/log';
import { createRuntime } from '../bot/runtime';
import { initialise } from '../bot/secrets';
import { handleWorkItems, startDailyAudit } from '../bot/checks/runner';
import { checkSilentUse } from '../bot/checks/silent-sweep';
import { checkHeartbeats, sendHeartbeats } from '../bot/heartbeat';

/**
 * Scheduled work (EventBridge schedules): `{"task": "daily"}` audits every canary and the pipeline
 * and posts to the alert channel only when something is wrong; `{"task": "silent-use"}` (every
 * few minutes) starts the silent-use net's passes and looks for test calls that never arrived;
 * `{"task": "heartbeat"}` (daily, opt-in) makes every self-test canary's test call. Both spread
 * their work over the self-checks' queue, whose items (SQS events) come back here (bot/checks/).
 * CloudFormation asks it, at deploy, whether a trail feeds EventBridge (bot/deploy-check.ts).
 */
export const ready = initialise(() => ({ runtime: createRuntime(loadConfig()) }));

const isSqsEvent = (e: unknown): e is SQSEvent => Array.isArray((e as SQSEvent | undefined)?.Records);

export const handler = async (
  event: { task?: string } | CloudFormationCustomResourceEvent | SQSEvent,
): Promise<{ task: string; problems: number } | SQSBatchResponse> => {
  // Before the Slack secret is read: at the first deploy it holds no credentials yet.
  if (isCustomResourceEvent(event)) {
    await answerDeployCheck(event, process.env.AWS_REGION ?? 'us-east-1');
    return { task: 'deploy-check', problems: 0 };
  }
  const { runtime } = await ready;
  if (isSqsEvent(event)) return handleWorkItems(runtime, event);
  // Every few minutes: the silent-use net, and test calls that never arrived.
  if (event.task === 'silent-use')
    return { task: 'silent-use', problems: (await checkSilentUse(runtime)) + (await checkHeartbeats(runtime)) };
  if (event.task === 'heartbeat') {
    log.info('heartbeat calls made', { sent: await sendHeartbeats(runtime) });
    return { task: 'heartbeat', problems: 0 };
  }
  const ok = await startDailyAudit(runtime);
  log.info('daily audit', { ok });
  return { task: 'daily', problems: ok ? 0 : 1 };
};
