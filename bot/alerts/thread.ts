import { accountLabel } from '../accounts';
import type { Core, WithSlack } from '../deps';
import type { CanaryRecord } from '../model/canary';
import type { Incident } from '../model/incident';
import { alertParent } from '../views/alert';

/*
 * Posting to an incident after a triage action, from the slack and jobs handlers. Kept apart
 * from reconcile.ts so those bundles do not carry the alert path (and its country table).
 */

/** What posting to an incident's thread needs; both the alert and the slack/jobs runtimes have it. */
export type SlackDeps = Core & WithSlack;

/** Re-renders an incident's parent from the stored state (after a triage action). */
export async function refreshParent(deps: SlackDeps, canaryId: string, seq: number): Promise<void> {
  const [canary, inc] = await Promise.all([deps.store.getCanary(canaryId), deps.store.getIncident(canaryId, seq)]);
  if (!canary || !inc?.parent || !inc.firstEvent) return;
  const msg = await renderParent(deps, canary, inc);
  await deps.slack.chat.update({ channel: inc.parent.channel, ts: inc.parent.ts, text: msg.text, blocks: msg.blocks });
}

/** The parent as the channel sees it; in organization mode it names the account, by the stored list's name. */
export async function renderParent(deps: Core, canary: CanaryRecord, inc: Incident) {
  return alertParent(canary, inc, deps.config.autoDisable, await accountLabel(deps, canary.account));
}

/** A line in the incident's thread (who did what), if the incident has a parent yet. */
export async function threadReply(deps: SlackDeps, canaryId: string, seq: number, text: string): Promise<void> {
  const inc = await deps.store.getIncident(canaryId, seq);
  if (!inc?.parent) return;
  await deps.slack.chat.postMessage({
    channel: inc.parent.channel,
    thread_ts: inc.parent.ts,
    text,
    unfurl_links: false,
    unfurl_media: false,
  });
}
