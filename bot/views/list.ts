import { findKind } from '../kinds';
import { inlineCode, mention } from '../mrkdwn';
import type { CanaryRecord } from '../store';
import { context, ephemeral, header, section } from './blocks';
import type { Reply } from './blocks';

/** Canaries per reply: one section each, under Slack's 50-block cap with room for the frame. */
export const LIST_PAGE = 40;

export function listReply(items: CanaryRecord[], more: boolean): Reply {
  if (!items.length) return ephemeral('No canaries yet. Mint one with `/canary new <location>`.');
  const blocks = [header(`Canaries (${items.length}${more ? '+' : ''})`)];
  for (const c of items) {
    const kind = findKind(c.kind)?.label ?? c.kind;
    blocks.push(section(`*${c.id}* · ${c.status} · ${kind}\n${inlineCode(c.location, 200)}\nowner ${mention(c.owner)} · created ${c.createdAt.slice(0, 10)}`));
  }
  if (more) blocks.push(context(`Showing the ${items.length} newest.`));
  return ephemeral(`${items.length} canaries`, blocks);
}
