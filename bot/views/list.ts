import { findKind } from '../kinds';
import { inlineCode, mention } from '../mrkdwn';
import { context, ephemeral, header, section } from './blocks';
import type { Reply } from './blocks';
import type { CanaryRecord } from '../model/canary';

/** Canaries per reply: one section each, under Slack's 50-block cap with room for the frame. */
export const LIST_PAGE = 40;

export function listReply(all: CanaryRecord[], page: number, filtered: boolean): Reply {
  if (!all.length)
    return ephemeral(filtered ? 'No canary matches that filter.' : 'No canaries yet. Mint one with `/canary new &lt;location&gt;`.');
  const pages = Math.ceil(all.length / LIST_PAGE);
  const p = Math.min(page, pages);
  const items = all.slice((p - 1) * LIST_PAGE, p * LIST_PAGE);
  const blocks = [header(`Canaries (${all.length})${pages > 1 ? `, page ${p} of ${pages}` : ''}`)];
  for (const c of items) {
    const kind = findKind(c.kind)?.label ?? c.kind;
    blocks.push(
      section(
        `*${c.id}* · ${c.status} · ${kind}${c.account ? ` · account ${c.account}` : ''}\n${inlineCode(c.location, 200)}\nowner ${mention(c.owner)} · created ${c.createdAt.slice(0, 10)}`,
      ),
    );
  }
  if (p < pages) blocks.push(context(`Newest first. Next: \`/canary list --page ${p + 1}\` (with the same filters).`));
  return ephemeral(`${all.length} canaries`, blocks);
}
