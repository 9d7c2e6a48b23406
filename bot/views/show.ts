import { findKind } from '../kinds';
import { inlineCode, mention } from '../mrkdwn';
import { context, ephemeral, fields, header, section } from './blocks';
import type { Block, Reply } from './blocks';
import type { Incident } from '../model/incident';
import { REFUSALS_LISTED_PER_HOUR } from '../model/audit-trail';
import type { AuditEntry } from '../model/audit-trail';
import type { CanaryRecord } from '../model/canary';

const when = (iso: string) => iso.replace('T', ' ').slice(0, 16) + ' UTC';
const who = (by: string) => (by === 'auto' ? 'automatic containment' : /^[UW][A-Z0-9]+$/.test(by) ? mention(by) : inlineCode(by));

/** `/canary show <id>`: the canary, its placement, its incidents, suppressions and every action. */
export function showReply(canary: CanaryRecord, incidents: Incident[], audit: AuditEntry[]): Reply {
  const kind = findKind(canary.kind);
  const blocks: Block[] = [
    header(`Canary ${canary.id}`),
    fields([
      // Organization mode: the member account the canary lives in (none: the bot's own).
      ['Location', inlineCode(canary.location, 300) + (canary.account ? ` · account ${inlineCode(canary.account)}` : '')],
      ['Owner', canary.owner ? mention(canary.owner) : '_none_'],
      ['Status', canary.status + (canary.replacedBy ? ` (re-armed as ${inlineCode(canary.replacedBy)})` : '')],
      ['Kind', kind?.label ?? canary.kind],
      ['Created', `${when(canary.createdAt)} by ${who(canary.createdBy)}`],
      ...(kind?.describe(canary) ?? []).map(([k, v]): [string, string] => [k, inlineCode(v || 'unknown')]),
      ...(canary.note ? [['Note', inlineCode(canary.note, 500)] as [string, string]] : []),
    ]),
  ];
  const incLines = incidents.map(
    (i) =>
      `• *${canary.id}-${i.seq}* opened ${when(i.openedAt)} · ${i.calls.toLocaleString('en-US')} call${i.calls === 1 ? '' : 's'}${i.triage ? ` · false positive (${who(i.triage.by)})` : ''}`,
  );
  blocks.push(section(`*Incidents*\n${incLines.length ? incLines.join('\n') : '_none yet_'}`));
  const sup = Object.entries(canary.suppressions ?? {}).map(
    ([id, s]) =>
      `• ${inlineCode(id)} ${[s.sourceIp && `${s.sourceIp.includes('/') ? 'network' : 'IP'} ${inlineCode(s.sourceIp)}`, s.userAgent && `user agent ${inlineCode(s.userAgent, 120)}`, s.principalArn && `caller ${inlineCode(s.principalArn, 200)}`].filter(Boolean).join(' + ')} · ${s.hits ?? 0} calls silenced · by ${who(s.by)}`,
  );
  if (sup.length) blocks.push(section(`*Suppressions* (remove with \`/canary unsuppress ${canary.id} &lt;id&gt;\`)\n${sup.join('\n')}`));
  // Refusals apart: anyone can press a button, and their presses must not push real actions out of view.
  const actions = audit.filter((a) => a.action !== 'refused');
  const refused = audit.filter((a) => a.action === 'refused');
  const shown = actions.slice(-25);
  const lines = shown.map(
    (a) =>
      `• ${when(a.at)} · *${a.action}* by ${who(a.by)}${a.incident ? ` · incident ${a.incident}` : ''}${a.detail ? ` · ${inlineCode(a.detail, 200)}` : ''}`,
  );
  blocks.push(section(`*Actions*\n${lines.length ? lines.join('\n') : '_none yet_'}`));
  if (actions.length > shown.length) blocks.push(context(`Showing the last ${shown.length} of ${actions.length} actions.`));
  const last = refused.at(-1);
  if (last) {
    const by = [...new Set(refused.slice(-5).map((a) => who(a.by)))].join(', ');
    blocks.push(
      context(
        `Refused presses by people who are not canary admins: ${refused.length} listed (at most ${REFUSALS_LISTED_PER_HOUR} an hour; the rest are logged), the last ${when(last.at)}, by ${by}.`,
      ),
    );
  }
  return ephemeral(`Canary ${canary.id}`, blocks);
}
