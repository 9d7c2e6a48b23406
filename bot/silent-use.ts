import type { Core, WithIam, WithSlack } from './deps';
import { log } from './log';
import { explainsUse } from './logged-use';
import { silentUseAlert } from './views/silent-use';
import type { CanaryRecord } from './model/canary';

/**
 * A net for silent use. Attackers validate stolen keys with calls CloudTrail never logs (an
 * AccessDenied from sqs:ListQueues still shows them the ARN), but IAM's GetAccessKeyLastUsed
 * moves anyway. Every key is read at least every 20 minutes, account by account at the account's
 * pace (bot/checks/silent-sweep.ts), and a move that no CloudTrail event explains raises one
 * "silent use" alert.
 */
export type SilentUseDeps = Core & WithIam & WithSlack;

/**
 * Each poll: a LastUsedDate past what was accounted for is noted (the earliest one not yet
 * judged), and judged once it is older than the grace period, when the CloudTrail event that
 * explains it has had time to arrive. Judging does not wait for the key to fall quiet: a key used
 * every few minutes is judged on its first unexplained use, not never. The conditional write
 * makes each use judged once, however many polls overlap.
 */
/**
 * Judges one key's last use as IAM reports it: true when it raised a silent-use alert. A use that
 * could not be said (Slack down) is put back to be judged, and said, on the next read.
 */
export async function judgeKeyUse(
  deps: SilentUseDeps,
  c: CanaryRecord,
  used: { LastUsedDate?: Date; ServiceName?: string; Region?: string } | undefined,
  now: number,
): Promise<boolean> {
  const latest = used?.LastUsedDate?.toISOString();
  let unjudged = c.lastUsedUnjudged;
  if (latest && (!c.lastUsedSeen || latest > c.lastUsedSeen) && !unjudged) {
    await deps.store.noteUnjudgedUse(c.id, latest);
    unjudged = latest;
  }
  // CloudTrail takes minutes to deliver: give the logged event time to arrive first.
  if (!unjudged || now - Date.parse(unjudged) < deps.config.silentUseGraceSeconds * 1000) return false;
  const next = latest && latest > unjudged ? latest : undefined;
  const won = await deps.store.judgeUse(c.id, unjudged, next);
  const why = explanation(c, Date.parse(unjudged), used?.ServiceName);
  if (!won || why) {
    if (won) log.info('canary key use explained', { canaryId: c.id, at: unjudged, by: why });
    return false;
  }
  const service = used?.ServiceName ?? 'unknown service';
  const region = used?.Region ?? 'unknown region';
  const msg = silentUseAlert(c, service, region, unjudged);
  try {
    await deps.slack.chat.postMessage({
      channel: deps.config.alertChannelId,
      text: msg.text,
      blocks: msg.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
  } catch (err) {
    // Judged but not said: put it back to be judged (and said) on the next poll; go on with the others.
    log.error('could not post a silent-use alert; it is kept for the next poll', {
      canaryId: c.id,
      error: err instanceof Error ? err.message : String(err),
    });
    await deps.store.requeueUnjudgedUse(c.id, unjudged).catch(() => undefined);
    return false;
  }
  await deps.store.recordAction(c.id, { action: 'silent-use', by: 'audit', detail: `${service} in ${region} at ${unjudged}` });
  log.warn('silent use of a canary', { canaryId: c.id, service, region, at: unjudged });
  return true;
}

/**
 * What explains a use of the key: calls CloudTrail logged around it (alerted or suppressed), or
 * the bot's own test call, which is an sts call within a minute or two of when it was made (the
 * heartbeat's time is public: a wider window would be a blind spot an attacker could use).
 */
const SELF_TEST_WITHIN_MS = 2 * 60_000;

function explanation(c: CanaryRecord, at: number, service: string | undefined): string | undefined {
  if (explainsUse(c.loggedUse, at)) return 'cloudtrail';
  if (c.selfTest && service === 'sts' && Math.abs(Date.parse(c.selfTest.at) - at) <= SELF_TEST_WITHIN_MS) return 'self-test';
  return undefined;
}
