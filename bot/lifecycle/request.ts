import type { Core } from '../deps';
import { livePending } from '../model/canary';
import { inlineCode } from '../mrkdwn';
import { alreadyHandled } from '../triage/disable';

/**
 * Retire and rotate, the listener's half: the same claim as the alert buttons (a `pending` marker
 * set only if no other action is in flight), so two admins, double clicks and retries make one
 * change. The job's half is in retire.ts and rotate.ts.
 */
export async function requestLifecycle(
  deps: Core,
  canaryId: string,
  action: 'retire' | 'rotate',
  by: string,
): Promise<{ ok: true } | { ok: false; why: string }> {
  if (await deps.store.claimPending(canaryId, { action, by })) return { ok: true };
  const c = await deps.store.getCanary(canaryId);
  if (c && !livePending(c) && action === 'rotate')
    return { ok: false, why: `Only an active canary can be rotated; ${inlineCode(canaryId)} is ${c.status}.` };
  return { ok: false, why: c?.status === 'retired' ? `Canary ${inlineCode(canaryId)} is already retired.` : alreadyHandled(c) };
}
