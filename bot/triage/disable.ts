import { refreshParent, threadReply } from '../alerts/thread';
import { forCanary } from '../accounts';
import type { SlackDeps } from '../alerts/thread';
import type { Core, WithIam } from '../deps';
import { errorText } from '../errors';
import { findKind } from '../kinds';
import { log } from '../log';
import { cut } from '../text';
import { inlineCode, mention } from '../mrkdwn';
import { livePending } from '../model/canary';
import type { CanaryRecord } from '../model/canary';

export type TriageDeps = SlackDeps & WithIam;

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
export async function requestDisable(
  deps: Core,
  canaryId: string,
  seq: number,
  by: string,
): Promise<{ ok: true } | { ok: false; why: string }> {
  // Automatic containment runs in the alert function (60 s timeout): if it dies there, the
  // redelivery minutes later must find the claim free again.
  const won = await deps.store.claimPending(canaryId, { action: 'disable', by, ...(by === 'auto' ? { ttlMs: 2 * 60_000 } : {}) });
  if (!won) return { ok: false, why: alreadyHandled(await deps.store.getCanary(canaryId)) };
  await deps.store.recordAction(canaryId, { action: 'disable-requested', by, incident: seq });
  return { ok: true };
}

/**
 * The slow half (IAM), in the jobs handler or, for automatic containment, the alert handler.
 * A key already inactive in IAM (disabled by hand) is recorded as disabled and said so.
 */
export async function performDisable(deps: TriageDeps, canaryId: string, seq: number, by: string): Promise<void> {
  const { store } = deps;
  const canary = await store.getCanary(canaryId);
  const kind = canary && findKind(canary.kind);
  if (!canary || !kind?.disable) return;
  let outcome: 'disabled' | 'already-inactive' | 'gone';
  try {
    outcome = await kind.disable(forCanary(deps, canary), canary);
  } catch (err) {
    const reason = errorText(err);
    log.error('disable failed', { canaryId, error: reason });
    // Kept on the record so the alert says it, even when no thread exists yet to say it in.
    await store.recordDisableFailure(canaryId, { by, at: new Date().toISOString(), reason: cut(reason, 300) });
    await store.recordAction(canaryId, { action: 'disable-failed', by, incident: seq, detail: reason });
    await threadReply(
      deps,
      canaryId,
      seq,
      `:warning: Could not disable the key for ${who(by)}: ${inlineCode(reason, 300)}. Nothing changed; try again, or disable it in IAM.`,
    );
    await refreshParent(deps, canaryId, seq);
    return;
  }
  const at = new Date().toISOString();
  await store.markDisabled(canaryId, by, at);
  await store.recordAction(canaryId, { action: 'disabled', by, incident: seq, detail: outcome, at });
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
