import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace } from '../../local/sandbox/workspace';
import type { Workspace } from '../../local/sandbox/workspace';
import { startSlackStandin } from '../../local/slack-standin';
import type { SlackStandin } from '../../local/slack-standin';

/** The sandbox page shows what Slack would: these are Slack's rules for the bot's calls. */
describe("the sandbox workspace applies Slack's rules to the bot's calls", () => {
  let standin: SlackStandin;
  let ws: Workspace;
  beforeEach(async () => {
    standin = await startSlackStandin();
    ws = createWorkspace(standin);
  });
  afterEach(() => standin.close());

  const api = async (method: string, args: object) =>
    (await (
      await fetch(`${standin.apiUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer xoxb-test' },
        body: JSON.stringify(args),
      })
    ).json()) as { ts: string };
  const respond = (url: string, body: object) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const texts = () => ws.snapshot().messages.map((m) => `${m.ephemeral ? 'eph' : 'msg'}:${m.text}`);

  it('shows channel messages in order with their thread replies, and marks edits', async () => {
    const { ts } = await api('chat.postMessage', { channel: 'C1', text: 'parent' });
    await api('chat.postMessage', { channel: 'C1', text: 'reply', thread_ts: ts });
    await api('chat.update', { channel: 'C1', ts, text: 'parent, updated' });
    const [parent, reply] = ws.snapshot().messages;
    expect(parent).toMatchObject({ text: 'parent, updated', ts, edited: true, ephemeral: false });
    expect(reply).toMatchObject({ text: 'reply', threadTs: ts });
  });

  it('adds ephemerals for command answers, replaces an ephemeral its button answers, and posts in_channel', async () => {
    const url = ws.responseUrl({ channel: 'C1' });
    await respond(url, { text: 'only you' });
    const eph = ws.snapshot().messages[0]!;
    expect(eph).toMatchObject({ ephemeral: true, channel: 'C1' });
    await respond(ws.responseUrl({ channel: 'C1', ephemeralId: eph.id }), { text: 'replaced' });
    expect(texts()).toEqual(['eph:replaced']);
    await respond(ws.responseUrl({ channel: 'C1', ephemeralId: eph.id }), { text: 'also', replace_original: false });
    await respond(url, { text: 'for all', response_type: 'in_channel' });
    expect(texts()).toEqual(['eph:replaced', 'eph:also', 'msg:for all']);
  });

  it('keeps a channel message under a button press unless told to replace or delete it', async () => {
    const { ts } = await api('chat.postMessage', { channel: 'C1', text: 'alert' });
    await respond(ws.responseUrl({ channel: 'C1', messageTs: ts }), { text: 'refused' });
    expect(texts()).toEqual(['msg:alert', 'eph:refused']);
    await respond(ws.responseUrl({ channel: 'C1', messageTs: ts }), { text: 'new alert', replace_original: true });
    expect(texts()).toEqual(['msg:new alert', 'eph:refused']);
    await respond(ws.responseUrl({ channel: 'C1', messageTs: ts }), { delete_original: true });
    expect(texts()).toEqual(['eph:refused']);
  });

  it('opens, updates and closes modals', async () => {
    const view = { type: 'modal', title: { type: 'plain_text', text: 'A' }, blocks: [] };
    await api('views.open', { trigger_id: '1.2.abc', view });
    await api('views.update', { view_id: 'V1', view: { ...view, title: { type: 'plain_text', text: 'B' } } });
    const [modal] = ws.snapshot().modals;
    expect(modal!.view.title).toEqual({ type: 'plain_text', text: 'B' });
    ws.setModalErrors(modal!.id, { reason: 'say why' });
    expect(ws.snapshot().modals[0]!.errors).toEqual({ reason: 'say why' });
    ws.closeModals();
    expect(ws.snapshot().modals).toEqual([]);
  });
});
