import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { helpReply } from '../../bot/views/help';
import { mintModal } from '../../bot/views/mint-modal';
import { mrkdwn, renderBlock, renderMessage } from '../../local/sandbox/page/render';
import type { VNode } from '../../local/sandbox/page/render';

type Child = VNode | string;
const nodes = (c: Child | Child[]): VNode[] =>
  Array.isArray(c) ? c.flatMap(nodes) : typeof c === 'string' ? [] : [c, ...c.children.flatMap(nodes)];
const text = (c: Child | Child[]): string => (Array.isArray(c) ? c.map(text).join('') : typeof c === 'string' ? c : text(c.children));
const USERS = { U0SANDBOX: 'you' };

/** The page mounts these trees with createElement/textContent; what the tree allows is what the page can show. */
describe('the sandbox page renders Block Kit and mrkdwn as Slack does', () => {
  it('formats mrkdwn: bold, italic, strike, code, fences, mentions and links', () => {
    const out = mrkdwn('*Canary* _used_ ~old~ `AKIA1` by <@U0SANDBOX> see <https://example.com/x|docs>\n```a *b*```', USERS);
    const tags = nodes(out).map((n) => n.tag);
    expect(tags).toEqual(['b', 'i', 's', 'code', 'span', 'a', 'pre']);
    expect(text(out)).toBe('Canary used old AKIA1 by @you see docs\na *b*');
    expect(nodes(out).find((n) => n.tag === 'a')!.attrs!.href).toBe('https://example.com/x');
  });

  it('decodes Slack entities into text, never into markup', () => {
    const out = mrkdwn('`&lt;img src=x onerror=alert(1)&gt;` &amp; <javascript:alert(1)|click>', USERS);
    expect(text(out)).toBe('<img src=x onerror=alert(1)> & click');
    expect(
      nodes(out).some((n) => n.tag === 'a'),
      'only http(s) and mailto links become links',
    ).toBe(false);
  });

  it('never makes an element or attribute out of any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const n of nodes(mrkdwn(s, USERS))) {
          expect(['b', 'i', 's', 'code', 'pre', 'span', 'a']).toContain(n.tag);
          if (n.tag === 'a') expect(n.attrs!.href).toMatch(/^(https?:|mailto:)/i);
        }
      }),
    );
  });

  it('renders every block of the help reply and the mint form, with nothing unsupported', () => {
    const help = renderMessage(helpReply() as { text: string; blocks: unknown[] }, USERS);
    expect(nodes(help).filter((n) => n.cls === 'unsupported')).toEqual([]);
    const modal = mintModal('U0SANDBOX', { responseUrl: 'https://hooks.slack.com/x', channelId: 'C1' });
    const blocks = modal.blocks.map((b) => renderBlock(b, USERS));
    expect(nodes(blocks).filter((n) => n.cls === 'unsupported')).toEqual([]);
    const fields = nodes(blocks).flatMap((n) => (n.field ? [n.field] : []));
    expect(fields.map((f) => f.type)).toEqual([
      'static_select',
      'plain_text_input',
      'users_select',
      'plain_text_input',
      'plain_text_input',
    ]);
    expect(fields[2]!.options!.find((o) => o.selected)!.value).toBe('U0SANDBOX');
    expect(fields[4]!.multiline).toBe(true);
  });

  it('keeps buttons with their confirm dialogs, and names blocks it does not render', () => {
    const actions = renderBlock(
      {
        type: 'actions',
        block_id: 'triage',
        elements: [
          {
            type: 'button',
            action_id: 'go',
            value: '{"x":1}',
            style: 'danger',
            text: { type: 'plain_text', text: 'Disable key' },
            confirm: {
              title: { type: 'plain_text', text: 'Sure?' },
              text: { type: 'mrkdwn', text: 'It stops.' },
              confirm: { type: 'plain_text', text: 'Disable' },
              deny: { type: 'plain_text', text: 'No' },
              style: 'danger',
            },
          },
        ],
      },
      USERS,
    );
    expect(nodes(actions)[1]!.button).toEqual({
      actionId: 'go',
      blockId: 'triage',
      value: '{"x":1}',
      confirm: { title: 'Sure?', text: 'It stops.', confirm: 'Disable', deny: 'No', style: 'danger' },
    });
    expect(text(renderBlock({ type: 'video' }, USERS))).toContain('video block');
  });
});
