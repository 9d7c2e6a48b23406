import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WebClient } from '@slack/web-api';
import { getIncident } from './alerts/incidents';
import { awsErrorName } from './aws';
import { recordAction } from './audit';
import type { Config } from './config';
import { log } from './log';
import { allCanaries, updateCanary } from './store';
import type { CanaryRecord } from './store';
import { silentUseAlert } from './views/silent-use';

/**
 * A net for silent use. Attackers validate stolen keys with calls CloudTrail never logs (an
 * AccessDenied from sqs:ListQueues still shows them the ARN), but IAM's GetAccessKeyLastUsed
 * moves anyway. Polled every few minutes (one IAM read per active canary, far inside IAM's
 * limits), a move that no CloudTrail event explains raises one "silent use" alert.
 */
export interface SilentUseDeps {
  config: Config;
  aws: { ddb: DynamoDBDocumentClient; iam: IAMClient };
  slack: WebClient;
}

/** A CloudTrail event this close to the last-used time explains it. */
const EXPLAINED_WITHIN_MS = 10 * 60_000;

export async function checkSilentUse(deps: SilentUseDeps, now = Date.now()): Promise<number> {
  let raised = 0;
  for (const c of await allCanaries(deps.aws.ddb, deps.config.table)) {
    if (c.status !== 'active' || c.kind !== 'aws-key' || !c.resource.accessKeyId) continue;
    let used;
    try {
      used = (await deps.aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: c.resource.accessKeyId }))).AccessKeyLastUsed;
    } catch (err) {
      // A key deleted by hand is the audit's finding; one bad canary must not blind the others.
      log.warn('could not read when a canary key was last used', { canaryId: c.id, error: awsErrorName(err) });
      continue;
    }
    const at = used?.LastUsedDate;
    if (!used || !at) continue;
    const iso = at.toISOString();
    if (c.lastUsedSeen && iso <= c.lastUsedSeen) continue;
    // CloudTrail takes minutes to deliver: give the logged event time to arrive first.
    if (now - at.getTime() < deps.config.silentUseGraceSeconds * 1000) continue;
    const explained = await explainedByCloudTrail(deps, c, at.getTime());
    const won = await updateCanary(deps.aws.ddb, deps.config.table, c.id, 'SET lastUsedSeen = :t', 'attribute_not_exists(lastUsedSeen) OR lastUsedSeen < :t', { ':t': iso });
    if (!won || explained) continue;
    const service = used.ServiceName ?? 'unknown service';
    const region = used.Region ?? 'unknown region';
    const msg = silentUseAlert(c, service, region, iso);
    await deps.slack.chat.postMessage({ channel: deps.config.alertChannelId, text: msg.text, blocks: msg.blocks, unfurl_links: false, unfurl_media: false });
    await recordAction(deps.aws.ddb, deps.config.table, c.id, { action: 'silent-use', by: 'audit', detail: `${service} in ${region} at ${iso}` });
    log.warn('silent use of a canary', { canaryId: c.id, service, region, at: iso });
    raised++;
  }
  return raised;
}

async function explainedByCloudTrail(deps: SilentUseDeps, c: CanaryRecord, at: number): Promise<boolean> {
  const seq = (c as CanaryRecord & { openIncident?: { seq: number } }).openIncident?.seq;
  if (!seq) return false;
  const inc = await getIncident(deps.aws.ddb, deps.config.table, c.id, seq);
  const last = inc?.lastSeen ? Date.parse(inc.lastSeen) : undefined;
  return last !== undefined && Math.abs(last - at) <= EXPLAINED_WITHIN_MS;
}
