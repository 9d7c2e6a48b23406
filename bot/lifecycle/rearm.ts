import { refreshParent, threadReply } from '../alerts/thread';
import { forCanary } from '../accounts';
import type { Core } from '../deps';
import { newCanaryId } from '../ids';
import { findKind } from '../kinds';
import { log } from '../log';
import { deliverOrUndo } from '../mint';
import { inlineCode, mention } from '../mrkdwn';
import { postToResponseUrl } from '../respond';
import type { Runtime } from '../deps';
import { ephemeral } from '../views/blocks';
import { alreadyHandled } from '../triage/disable';
import { MintError } from '../errors';

/** The button's half: only a disabled, not yet replaced canary can be re-armed, once. */
export async function requestRearm(deps: Core, canaryId: string, by: string): Promise<{ ok: true } | { ok: false; why: string }> {
  const won = await deps.store.claimPending(canaryId, { action: 'rearm', by });
  if (won) return { ok: true };
  const c = await deps.store.getCanary(canaryId);
  return { ok: false, why: c?.replacedBy ? `Already re-armed as ${inlineCode(c.replacedBy)}.` : alreadyHandled(c) };
}

/**
 * The job: a replacement canary for the same placement and owner, its key to the presser alone
 * (the button's response_url, as when minting). The old key stays Inactive.
 */
export async function performRearm(rt: Runtime, canaryId: string, seq: number, by: string, responseUrl: string): Promise<void> {
  const { store } = rt;
  const old = await store.getCanary(canaryId);
  const kind = old && findKind(old.kind);
  if (!old || !kind) return;
  const release = () => store.releasePending(canaryId);
  let minted;
  try {
    minted = await kind.mint(forCanary(rt, old), {
      id: newCanaryId(),
      location: old.location,
      owner: old.owner || by,
      requestedBy: by,
      note: `re-armed from ${old.id}`,
      ...(old.account ? { account: old.account } : {}),
      // The same profile as the canary it replaces (records from before profiles are deny-all).
      // In a member account always deny-all (its guard watches the home account only, bot/mint.ts).
      ...(old.account ? { profile: 'deny-all' as const } : old.resource.profile === 'quiet' ? { profile: 'quiet' as const } : {}),
    });
  } catch (err) {
    await release();
    const why = err instanceof MintError ? `the step "${err.step}" failed (${err.reason})` : 'an unexpected error';
    log.error('re-arm failed', { canaryId, error: err instanceof Error ? err.message : String(err) });
    await postToResponseUrl(
      rt.config,
      responseUrl,
      ephemeral(`Could not re-arm ${inlineCode(canaryId)}: ${inlineCode(why, 300)}. Nothing was created; try again.`),
    );
    return;
  }
  if (!(await deliverOrUndo(rt, kind, minted, responseUrl))) {
    await release();
    return;
  }
  const newId = minted.record.id;
  await store.markReplaced(canaryId, newId);
  await store.recordAction(canaryId, { action: 'rearmed', by, incident: seq, detail: `replaced by ${newId}` });
  await store.recordAction(newId, { action: 'minted', by, detail: `re-arms ${canaryId}` });
  await threadReply(
    rt,
    canaryId,
    seq,
    `:recycle: Re-armed by ${mention(by)}: new canary ${inlineCode(newId)} for the same placement; its key went to ${mention(by)} privately. The old key stays inactive.`,
  );
  await refreshParent(rt, canaryId, seq);
}
