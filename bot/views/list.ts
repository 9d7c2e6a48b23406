import { findKind } from '../kinds';
import { inlineCode, mention } from '../mrkdwn';
import { context, ephemeral, header, section } from './blocks';
import type { Block, Reply } from './blocks';
import type { CanaryRecord } from '../model/canary';
import type { CanaryFilter } from '../store/listing';
import { HOME_ACCOUNT } from '../store/schema';

/** Canaries per message: one section each, well under Slack's 50 blocks with the frame. */
export const LIST_PAGE = 20;
export const LIST_MORE_ACTION = 'canary_list_more';
/** Slack's limit on a button's value. */
const BUTTON_VALUE_MAX = 2000;

/** What the More button carries back: the filter as the store takes it (account resolved) and the cursor. */
export const moreValue = (filter: CanaryFilter, cursor: string) => JSON.stringify({ f: filter, c: cursor });

/**
 * One page of `/canary list`: newest first; the header says the filter and whether more exist,
 * and a More button (or `--page`) continues from the cursor. `continued`: not the first page.
 */
export function listReply(page: { canaries: CanaryRecord[]; cursor?: string }, filter: CanaryFilter, continued: boolean): Reply {
  const { canaries, cursor } = page;
  const filtered = Boolean(filter.status || filter.kind || filter.account || filter.owner || filter.text);
  if (!canaries.length && !cursor) {
    if (continued) return ephemeral('No more canaries match: that was the last page.');
    return ephemeral(filtered ? 'No canary matches that filter.' : 'No canaries yet. Mint one with `/canary new &lt;location&gt;`.');
  }
  const account = filter.account === HOME_ACCOUNT ? 'home account' : filter.account ? `account ${filter.account}` : undefined;
  const what = [filter.status, filter.kind && (findKind(filter.kind)?.label ?? filter.kind), account].filter(Boolean).join(', ');
  const count =
    !continued && !cursor ? `${canaries.length}` : `${continued ? 'next' : 'first'} ${canaries.length}${cursor ? ', more exist' : ''}`;
  const blocks: Block[] = [header(`Canaries${what ? `: ${what}` : ''} (${count})`)];
  const narrower = [
    filter.owner ? `owner ${mention(filter.owner)}` : '',
    filter.text ? `matching ${inlineCode(filter.text, 200)}` : '',
  ].filter(Boolean);
  blocks.push(context(['Newest first', ...narrower].join(' · ') + (filter.status ? '.' : ', every status.')));
  for (const c of canaries) {
    const kind = findKind(c.kind)?.label ?? c.kind;
    blocks.push(
      section(
        `*${c.id}* · ${c.status} · ${kind}${c.account ? ` · account ${c.account}` : ''}\n${inlineCode(c.location, 200)}\nowner ${mention(c.owner)} · created ${c.createdAt.slice(0, 10)}`,
      ),
    );
  }
  if (cursor) {
    // A short page with a cursor: an owner or text search that read its budget before filling the page.
    const searching = canaries.length < LIST_PAGE;
    blocks.push(
      context(
        `${searching ? 'The search has more canaries to read' : 'More exist'}: press *More*, or repeat the command with \`--page ${cursor}\`.`,
      ),
    );
    const value = moreValue(filter, cursor);
    if (value.length <= BUTTON_VALUE_MAX)
      blocks.push({
        type: 'actions',
        block_id: 'list_more',
        elements: [{ type: 'button', action_id: LIST_MORE_ACTION, text: { type: 'plain_text', text: 'More' }, value }],
      });
  }
  return ephemeral(cursor ? `${canaries.length} canaries, more exist` : `${canaries.length} canaries`, blocks);
}
