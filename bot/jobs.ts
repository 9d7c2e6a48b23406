import { log } from './log';
import { refreshParent, threadReply } from './alerts/thread';
import { runMintJob } from './mint';
import { isAllowedResponseUrl, postToResponseUrl } from './respond';
import { dlqDepth, redrive } from './redrive';
import { startManualAudit } from './checks/runner';
import { runSelfTest } from './self-test';
import { inlineCode } from './mrkdwn';
import { ephemeral } from './views/blocks';
import { performDisable } from './triage/disable';
import { performRetire } from './lifecycle/retire';
import { performRotate } from './lifecycle/rotate';
import { performRearm } from './lifecycle/rearm';
import type { Runtime } from './deps';
import { jobSchema } from './model/job';
import { ResponseUrlError } from './errors';

export { invokeJobsFunction } from './jobs-invoke';

/** Lambda may deliver an async event more than once; a job runs at most once per jobId. */
const JOB_CLAIM_TTL_SECONDS = 24 * 3600;

export async function runJob(rt: Runtime, payload: unknown): Promise<void> {
  const parsed = jobSchema.safeParse(payload);
  if (!parsed.success) {
    // Not retryable: a malformed payload stays malformed. Log the shape, not the content.
    log.error('job payload rejected', { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`) });
    return;
  }
  const job = parsed.data;
  // Checked before anything is done: a job naming any other URL (an incoming webhook, another
  // workspace) did not come from our slack handler. Thrown, so the failure reaches the channel.
  if ('responseUrl' in job && !isAllowedResponseUrl(rt.config, job.responseUrl)) {
    throw new ResponseUrlError(
      `${job.type} job refused: its response_url is not one Slack issued to this workspace for a command or an interaction`,
    );
  }
  if (!(await rt.store.claimOnce(`JOB#${job.jobId}`, JOB_CLAIM_TTL_SECONDS))) {
    log.info('job already ran; duplicate delivery ignored', { jobId: job.jobId, type: job.type });
    return;
  }
  switch (job.type) {
    case 'mint':
      return runMintJob(rt, job);
    case 'disable':
      return performDisable(rt, job.canaryId, job.seq, job.by);
    case 'rearm':
      return performRearm(rt, job.canaryId, job.seq, job.by, job.responseUrl);
    case 'retire':
      return performRetire(rt, job.canaryId, job.by, job.responseUrl);
    case 'rotate':
      return performRotate(rt, job.canaryId, job.by, job.responseUrl);
    case 'self-test': {
      const canary = await rt.store.getCanary(job.canaryId);
      if (!canary) return;
      const at = await runSelfTest(rt, canary, job.by);
      return postToResponseUrl(
        rt.config,
        job.responseUrl,
        ephemeral(
          `Test call made with canary ${inlineCode(canary.id)}'s key at ${at.slice(11, 19)} UTC (sts:GetCallerIdentity). Its alert should reach the security channel within about a minute, labelled as a test.`,
        ),
      );
    }
    case 'audit':
      return startManualAudit(rt, job.responseUrl);
    case 'redrive': {
      const { moved, failed } = await redrive(rt.config);
      log.info('redrive requested', { by: job.by, moved, failed });
      const rest = await dlqDepth(rt.config);
      return postToResponseUrl(
        rt.config,
        job.responseUrl,
        ephemeral(
          `Moved ${moved.toLocaleString('en-US')} message${moved === 1 ? '' : 's'} back to the alert queue${failed ? ` (${failed} could not be sent and stay)` : ''}.${rest ? ` About ${rest.toLocaleString('en-US')} still wait: run \`/canary redrive\` again.` : ''}`,
        ),
      );
    }
    case 'announce':
      await threadReply(rt, job.canaryId, job.seq, job.line);
      return refreshParent(rt, job.canaryId, job.seq);
  }
}
