import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { startSlackStandin } from '../../local/slack-standin';
import type { SlackStandin } from '../../local/slack-standin';

/** The stand-in is only useful if it refuses what Slack refuses and fails when told to. */
describe('the Slack stand-in answers like Slack', () => {
  let s: SlackStandin;
  let client: webApi.WebClient;
  beforeAll(async () => {
    s = await startSlackStandin();
    client = new webApi.WebClient('xoxb-test', { slackApiUrl: s.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  afterAll(() => s.close());

  const post = (blocks: unknown[]) => client.chat.postMessage({ channel: 'C1', text: 'x', blocks: blocks as never });

  it('records calls and returns ts, and chat.update changes the stored message', async () => {
    const res = await post([{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }]);
    expect(res).toMatchObject({ ok: true, channel: 'C1', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    await client.chat.update({ channel: 'C1', ts: res.ts!, text: 'updated' });
    expect(s.messages.get(`C1/${res.ts}`)?.text).toBe('updated');
    expect(s.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
  });

  it.each([
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), /max 50/],
    ['section text over 3000', [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }], /3001 chars, max 3000/],
    ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], /fields: max 10/],
    ['header over 150', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], /max 150/],
    ['mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], /must be plain_text/],
    [
      'button value over 2000',
      [
        {
          type: 'actions',
          elements: [{ type: 'button', text: { type: 'plain_text', text: 'b' }, action_id: 'a', value: 'v'.repeat(2001) }],
        },
      ],
      /value: max 2000/,
    ],
    [
      'button text over 75',
      [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a' }] }],
      /max 75/,
    ],
    [
      'a confirm with long title',
      [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'b' },
              action_id: 'a',
              confirm: {
                title: { type: 'plain_text', text: 't'.repeat(101) },
                text: { type: 'plain_text', text: 'x' },
                confirm: { type: 'plain_text', text: 'y' },
                deny: { type: 'plain_text', text: 'n' },
              },
            },
          ],
        },
      ],
      /max 100/,
    ],
    [
      'input block in a message',
      [{ type: 'input', label: { type: 'plain_text', text: 'l' }, element: { type: 'plain_text_input', action_id: 'v' } }],
      /only in modals/,
    ],
    ['an unknown block', [{ type: 'rich_video' }], /not a block the stand-in knows/],
  ])('refuses %s with invalid_blocks', async (_name, blocks, why) => {
    const err = await post(blocks).catch((e: { data: { error: string; errors: string[] } }) => e.data);
    expect(err).toMatchObject({ error: 'invalid_blocks' });
    expect((err as { errors: string[] }).errors.join('\n')).toMatch(why);
  });

  it('refuses a modal whose title is over 24 characters', async () => {
    const err = await client.views
      .open({ trigger_id: 't', view: { type: 'modal', title: { type: 'plain_text', text: 't'.repeat(25) }, blocks: [] } })
      .catch((e: { data: unknown }) => e.data);
    expect(err).toMatchObject({ ok: false, error: 'invalid_arguments' });
  });

  it('answers invalid_auth without a bot token', async () => {
    const bad = new webApi.WebClient('xoxp-user', { slackApiUrl: s.apiUrl, retryConfig: { retries: 0 } });
    await expect(bad.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('answers 429 with Retry-After when told, then recovers', async () => {
    s.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('answers 500 when told', async () => {
    s.failNext('*', { status: 500 });
    const res = await fetch(`${s.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-1' },
      body: 'channel=C1&text=x',
    });
    expect(res.status).toBe(500);
  });

  it('validates and records response_url posts', async () => {
    const url = s.newResponseUrl();
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'hi' }),
    });
    expect(ok.status).toBe(200);
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blocks: [{ type: 'nope' }] }),
    });
    expect(bad.status).toBe(400);
    expect(s.calls.filter((c) => c.method === 'response_url').map((c) => url.endsWith(c.responseUrlId!))).toEqual([true, true]);
  });
  it("answers conversations.history with the channel's top-level messages as they stand, newest first, paged", async () => {
    const channel = 'CHIST1';
    const first = await client.chat.postMessage({ channel, text: 'first' });
    await client.chat.postMessage({ channel, text: 'a reply', thread_ts: first.ts! });
    await client.chat.postMessage({ channel, text: 'a broadcast reply', thread_ts: first.ts!, reply_broadcast: true });
    await client.chat.postMessage({ channel: 'COTHER1', text: 'elsewhere' });
    const third = await client.chat.postMessage({ channel, text: 'third' });
    await client.chat.update({ channel, ts: third.ts!, text: 'third, edited' });

    const all = await client.conversations.history({ channel });
    expect(all.ok).toBe(true);
    expect(all.messages?.map((m) => m.text)).toEqual(['third, edited', 'a broadcast reply', 'first']);
    expect(all.has_more).toBe(false);

    const after = await client.conversations.history({ channel, oldest: first.ts! });
    expect(
      after.messages?.map((m) => m.text),
      'oldest is exclusive',
    ).toEqual(['third, edited', 'a broadcast reply']);
    const inclusive = await client.conversations.history({ channel, oldest: first.ts!, inclusive: true });
    expect(inclusive.messages).toHaveLength(3);
    const before = await client.conversations.history({ channel, latest: third.ts! });
    expect(before.messages?.map((m) => m.text)).toEqual(['a broadcast reply', 'first']);

    const page1 = await client.conversations.history({ channel, limit: 2 });
    expect(page1.messages?.map((m) => m.text)).toEqual(['third, edited', 'a broadcast reply']);
    expect(page1.has_more).toBe(true);
    const page2 = await client.conversations.history({ channel, limit: 2, cursor: page1.response_metadata!.next_cursor! });
    expect(page2.messages?.map((m) => m.text)).toEqual(['first']);
    expect(page2.has_more).toBe(false);

    expect((await client.conversations.history({ channel: 'CEMPTY1' })).messages).toEqual([]);
    expect(s.calls.filter((c) => c.method === 'conversations.history').length).toBeGreaterThan(0);
  });
});
