import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { loadConfig } from '../bot/config';
import { answerDeployCheck, isCustomResourceEvent } from '../bot/deploy-check';
import { log } from '../bot/log';
import { createRuntime } from '../bot/runtime';
import { initialise } from '../bot/secrets';
import { runAudit } from '../bot/audit';
import { checkHeartbeats, sendHeartbeats } from '../bot/heartbeat';
import { checkSilentUse } from '../bot/silent-use';
import { auditReport } from '../bot/views/audit-report';

/**
 * Scheduled work (EventBridge schedules): `{"task": "daily"}` audits every canary and the pipeline
 * and posts to the alert channel only when something is wrong; `{"task": "silent-use"}` (every
 * few minutes) polls GetAccessKeyLastUsed for the silent-use net and looks for test calls that
 * never arrived; `{"task": "heartbeat"}` (daily, opt-in) makes every self-test canary's test call.
 * CloudFormation asks it, at deploy, whether a trail feeds EventBridge (bot/deploy-check.ts).
 */
export const ready = initialise(() => ({ runtime: createRuntime(loadConfig()) }));

export const handler = async (
  event: { task?: string } | CloudFormationCustomResourceEvent,
): Promise<{ task: string; problems: number }> => {
  // Before the Slack secret is read: at the first deploy it holds no credentials yet.
  if (isCustomResourceEvent(event)) {
    await answerDeployCheck(event, process.env.AWS_REGION ?? 'us-east-1');
    return { task: 'deploy-check', problems: 0 };
  }
  const { runtime } = await ready;
  // Every few minutes: the silent-use net, and test calls that never arrived.
  if (event.task === 'silent-use')
    return { task: 'silent-use', problems: (await checkSilentUse(runtime)) + (await checkHeartbeats(runtime)) };
  if (event.task === 'heartbeat') {
    log.info('heartbeat calls made', { sent: await sendHeartbeats(runtime) });
    return { task: 'heartbeat', problems: 0 };
  }
  const report = auditReport(await runAudit(runtime));
  if (!report.ok)
    await runtime.slack.chat.postMessage({
      channel: runtime.config.alertChannelId,
      text: report.text,
      blocks: report.blocks,
      unfurl_links: false,
    });
  log.info('daily audit', { ok: report.ok });
  return { task: 'daily', problems: report.ok ? 0 : 1 };
};
