import type { IAMClient } from '@aws-sdk/client-iam';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { refreshParent, threadReply } from '../alerts/thread';
import type { SlackDeps } from '../alerts/thread';
import { recordAction } from '../audit';
import { findKind } from '../kinds';
import { log } from '../log';
import { cut } from '../text';
import { inlineCode, mention } from '../mrkdwn';
import { claimPending, getCanary, livePending, updateCanary } from '../store';
import type { CanaryRecord } from '../store';

export type TriageDeps = SlackDeps & { aws: { ddb: DynamoDBDocumentClient; iam: IAMClient } };

const hhmm = (iso: string) => `${iso.slice(11, 16)} UTC`;
const who = (by: string) => (by === 'auto' ? 'automatic containment' : mention(by));

/** Why a second request does nothing, in words for the person who pressed. */
export function alreadyHandled(c: CanaryRecord | undefined): string {
  if (!c) return 'That canary no longer exists.';
  const doing = { disable: 'Disabling', rearm: 'Re-arming', retire: 'Retiring', rotate: 'Rotating' } as const;
  const pending = livePending(c);
  if (pending) return `${doing[pending.action]} is already under way (requested by ${who(pending.by)}).`;
  if (c.status === 'disabled') return `The key is already disabled (by ${who(c.disabledBy ?? '')} at ${hhmm(c.disabledAt ?? '')}).`;
  if (c.status === 'retired') return 'That canary is retired; its key no longer exists.';
  return 'Nothing to do.';
}

/**
 * The button's half, inside Slack's 3 s: elect this press with a conditional write. Double
 * clicks, two admins at once and Slack's retries all meet the same condition; only one wins.
 */
export async function requestDisable(deps: { config: TriageDeps['config']; aws: { ddb: DynamoDBDocumentClient } }, canaryId: string, seq: number, by: string): Promise<{ ok: true } | { ok: false; why: string }> {
  const { ddb } = deps.aws;
  // Automatic containment runs in the alert function (60 s timeout): if it dies there, the
  // redelivery minutes later must find the claim free again.
  const won = await claimPending(ddb, deps.config.table, canaryId, { action: 'disable', by, ...(by === 'auto' ? { ttlMs: 2 * 60_000 } : {}) }, '#s IN (:active, :unknown)', { ':active': 'active', ':unknown': 'unknown' }, { '#s': 'status' });
  if (!won) return { ok: false, why: alreadyHandled(await getCanary(ddb, deps.config.table, canaryId)) };
  await recordAction(ddb, deps.config.table, canaryId, { action: 'disable-requested', by, incident: seq });
  return { ok: true };
}

/**
 * The slow half (IAM), in the jobs handler or, for automatic containment, the alert handler.
 * A key already inactive in IAM (disabled by hand) is recorded as disabled and said so.
 */
export async function performDisable(deps: TriageDeps, canaryId: string, seq: number, by: string): Promise<void> {
  const { ddb } = deps.aws;
  const { table } = deps.config;
  const canary = await getCanary(ddb, table, canaryId);
  const kind = canary && findKind(canary.kind);
  if (!canary || !kind?.disable) return;
  let outcome: 'disabled' | 'already-inactive' | 'gone';
  try {
    outcome = await kind.disable({ aws: deps.aws, config: deps.config }, canary);
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    log.error('disable failed', { canaryId, error: reason });
    // Kept on the record so the alert says it, even when no thread exists yet to say it in.
    await updateCanary(ddb, table, canaryId, 'SET disableFailed = :f REMOVE pending', undefined, { ':f': { by, at: new Date().toISOString(), reason: cut(reason, 300) } });
    await recordAction(ddb, table, canaryId, { action: 'disable-failed', by, incident: seq, detail: reason });
    await threadReply(deps, canaryId, seq, `:warning: Could not disable the key for ${who(by)}: ${inlineCode(reason, 300)}. Nothing changed; try again, or disable it in IAM.`);
    await refreshParent(deps, canaryId, seq);
    return;
  }
  const at = new Date().toISOString();
  await updateCanary(ddb, table, canaryId, 'SET #s = :d, disabledBy = :by, disabledAt = :at REMOVE pending, disableFailed', undefined, { ':d': 'disabled', ':by': by, ':at': at }, { '#s': 'status' });
  await recordAction(ddb, table, canaryId, { action: 'disabled', by, incident: seq, detail: outcome, at });
  log.info('canary disabled', { canaryId, by, outcome });
  const key = inlineCode(canary.resource.accessKeyId ?? canary.id);
  const text = {
    disabled: `:lock: Key ${key} disabled by ${who(by)} at ${hhmm(at)}. The attacker's next calls fail.`,
    'already-inactive': `:lock: Key ${key} was already inactive in IAM (disabled by hand); recorded as disabled by ${who(by)} at ${hhmm(at)}.`,
    gone: `:lock: Key ${key} no longer exists in IAM (deleted by hand); recorded as disabled by ${who(by)} at ${hhmm(at)}.`,
  }[outcome];
  await threadReply(deps, canaryId, seq, text);
  await refreshParent(deps, canaryId, seq);
}
