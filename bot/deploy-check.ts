import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { log } from './log';
import { checkTrailCoverage } from './audit';

/**
 * The deploy refuses when nothing would ever reach EventBridge: a CloudFormation custom resource
 * (infra/home-stack.ts) asks the audit function, at create and at every settings change, whether a
 * logging multi-region trail records management events here (an organization trail counts). If
 * not, the first deploy fails and CloudFormation rolls it back with the reason below, unless the
 * stack creates its own trail (`-c createTrail=true`), in which case no check is asked for. Later
 * deploys (Update) only log it: refusing an update would make its rollback, another update, fail
 * too and leave the stack stuck; the daily audit reports a missing trail from then on.
 */
export function isCustomResourceEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  const e = event as Partial<CloudFormationCustomResourceEvent> | undefined;
  return typeof e?.RequestType === 'string' && typeof e.ResponseURL === 'string' && typeof e.StackId === 'string';
}

type Put = (url: string, body: string) => Promise<void>;

/** CloudFormation's response URL is a presigned S3 URL: nothing else gets our answer. */
const putToS3: Put = async (url, body) => {
  const u = new URL(url);
  if (u.protocol !== 'https:' || !/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname))
    throw new Error('the response URL is not an S3 presigned URL');
  const res = await fetch(u, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`CloudFormation's response URL answered ${res.status}`);
};

export async function answerDeployCheck(
  event: CloudFormationCustomResourceEvent,
  region: string,
  put: Put = putToS3,
  check = checkTrailCoverage,
): Promise<void> {
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'a logging multi-region trail records management events';
  if (event.RequestType === 'Create') {
    try {
      const { findings } = await check(region);
      if (findings.length) {
        status = 'FAILED';
        reason = `${findings.map((f) => `${f.scope}: ${f.problem}`).join('; ')}. EventBridge sees a canary's calls only through such a trail: ${findings[0]!.fix}, or deploy with -c createTrail=true.`;
      }
    } catch (err) {
      status = 'FAILED';
      reason = `the trail check failed (${err instanceof Error ? err.name : 'error'}); deploy with -c createTrail=true to skip it`;
    }
  }
  log.info('deploy check', { status, reason });
  const physical = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-trail-check`;
  await put(
    event.ResponseURL,
    JSON.stringify({
      Status: status,
      Reason: reason.slice(0, 1000),
      PhysicalResourceId: physical,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    }),
  );
}
