import { refreshParent, threadReply } from './alerts/thread';
import type { SlackDeps } from './alerts/thread';
import { log } from './log';
import { inlineCode, mention } from './mrkdwn';
import type { PendingAction } from './model/canary';

/**
 * A job that failed: thrown, timed out, or out of memory. In AWS, the jobs function's async
 * invocations have no retries and an on-failure destination (the alert queue), so the alert
 * handler hears of every one, with the payload; in process (tests, `JOBS_FUNCTION_NAME` unset)
 * the runner calls this directly. Either way the claim the job held is released, so the canary's
 * buttons come back, and the channel is told: a failed containment is never silent.
 */
export interface FailedJob {
  type: string;
  canaryId?: string;
  seq?: number;
  by?: string;
  requestedBy?: string;
}

const CLAIMING: Record<string, PendingAction> = { disable: 'disable', rearm: 'rearm', retire: 'retire', rotate: 'rotate' };

export async function reportJobFailure(deps: SlackDeps, job: FailedJob, reason: string): Promise<void> {
  const who = job.by ?? job.requestedBy;
  log.error('job failed', { type: job.type, canaryId: job.canaryId, reason });
  const action = CLAIMING[job.type];
  const released = action && job.canaryId ? await deps.store.releasePending(job.canaryId, action) : false;
  const what = job.canaryId
    ? `The ${inlineCode(job.type, 40)} job for canary ${inlineCode(job.canaryId, 80)}`
    : `A ${inlineCode(job.type, 40)} job`;
  const line = `:warning: ${what}${who ? ` (requested by ${mention(who)})` : ''} failed: ${inlineCode(reason, 300)}.${released ? ' Nothing is in flight any more: press again, or act in IAM.' : ''}`;
  if (job.canaryId && job.seq) {
    await threadReply(deps, job.canaryId, job.seq, line);
    await refreshParent(deps, job.canaryId, job.seq);
    return;
  }
  await deps.slack.chat.postMessage({ channel: deps.config.alertChannelId, text: line, unfurl_links: false, unfurl_media: false });
}

/** The job out of a Lambda destination record's requestPayload, without trusting its shape. */
export function failedJobOf(payload: unknown): FailedJob | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  if (typeof p.type !== 'string') return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    type: p.type.slice(0, 40),
    ...(str(p.canaryId) ? { canaryId: str(p.canaryId) } : {}),
    ...(typeof p.seq === 'number' ? { seq: p.seq } : {}),
    ...(str(p.by) ? { by: str(p.by) } : {}),
    ...(isObj(p.request) && str(p.request.requestedBy) ? { requestedBy: str(p.request.requestedBy) } : {}),
  };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
