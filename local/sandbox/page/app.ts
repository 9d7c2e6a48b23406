import { renderAttacker, wireAttacker } from './attacker';
import { confirmDialog, renderModal } from './dialogs';
import { $, mount, post, toast } from './dom';
import { h, renderMessage } from './render';
import type { Button } from './render';
import type { Message, SandboxState as State } from './state';

/**
 * The sandbox page: a Slack-like channel, thread and modal view of what the bot sent, and the
 * attacker panel. It only shows server state (fetched on each server-sent change) and posts what
 * the person does; the server turns that into Slack's signed requests.
 */
let state: State | undefined;
let channel = '';
let openThread: string | undefined;

// --- Messages, channels and threads. ---

/** Buttons outside messages (none today) do nothing. */
const onButton = () => undefined;

const press = (message: Message) => (b: Button, el: HTMLButtonElement) => {
  void (async () => {
    if (b.confirm && !(await confirmDialog(b.confirm))) return;
    el.disabled = true;
    await post('/sandbox/action', { messageId: message.id, actionId: b.actionId, blockId: b.blockId, value: b.value }).catch((e: Error) =>
      toast(e.message),
    );
    el.disabled = false;
  })();
};

const time = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function messageNode(m: Message, replies: number): HTMLElement {
  const el = document.createElement('div');
  el.className = `msg${m.ephemeral ? ' ephemeral' : ''}`;
  el.dataset.messageId = m.id;
  const avatar = document.createElement('div');
  avatar.className = 'avatar';
  avatar.textContent = '🐤';
  const body = document.createElement('div');
  body.className = 'msg-body';
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.append(
    mount(h('b', undefined, ['Canary']), onButton),
    mount(h('span', 'app-badge', ['APP']), onButton),
    mount(h('span', 'time', [time(m.at)]), onButton),
  );
  if (m.edited) meta.append(mount(h('span', 'edited', ['(edited)']), onButton));
  body.append(meta);
  if (m.ephemeral) body.append(mount(h('div', 'only-you', ['👁 Only visible to you']), onButton));
  body.append(mount(renderMessage(m, state!.users), press(m)));
  if (replies) {
    const link = document.createElement('button');
    link.className = 'replies';
    link.textContent = `${replies} ${replies === 1 ? 'reply' : 'replies'}`;
    link.onclick = () => {
      openThread = m.id;
      render();
    };
    body.append(link);
  }
  el.append(avatar, body);
  return el;
}

function renderChannels(): void {
  const list = $('channels');
  list.replaceChildren(
    ...state!.channels.map((c) => {
      const b = document.createElement('button');
      b.className = `channel${c.id === channel ? ' active' : ''}`;
      b.textContent = c.id.startsWith('C') ? `# ${c.name}` : c.name;
      b.onclick = () => {
        channel = c.id;
        openThread = undefined;
        render();
      };
      return b;
    }),
  );
  const current = state!.channels.find((c) => c.id === channel);
  $('channel-title').textContent = current ? (channel.startsWith('C') ? `# ${current.name}` : current.name) : '';
  $<HTMLInputElement>('composer-input').placeholder =
    `Message ${current?.id.startsWith('C') ? '#' : ''}${current?.name ?? ''}: try /canary help`;
}

function renderMessages(): void {
  const all = state!.messages.filter((m) => m.channel === channel);
  const replies = (m: Message) => all.filter((r) => r.threadTs && r.threadTs === m.ts && r.id !== m.id);
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(...all.filter((m) => !m.threadTs || m.threadTs === m.ts).map((m) => messageNode(m, replies(m).length)));
  if (!all.length)
    list.append(mount(h('div', 'empty', ['Nothing here yet. Type /canary new laptop-42 below to mint a decoy key.']), onButton));
  if (atBottom) list.scrollTop = list.scrollHeight;

  const pane = $('thread');
  const parent = all.find((m) => m.id === openThread);
  pane.hidden = !parent;
  if (parent)
    $('thread-messages').replaceChildren(
      messageNode(parent, 0),
      mount(h('div', 'thread-divider', [`${replies(parent).length} replies`]), onButton),
      ...replies(parent).map((r) => messageNode(r, 0)),
    );
}

// --- The loop: every server change re-renders from fresh state. ---

function render(): void {
  if (!state) return;
  renderChannels();
  renderMessages();
  renderModal(state.modals, state.users);
  renderAttacker(state.attack);
}

async function refresh(): Promise<void> {
  const res = await fetch('/sandbox/state');
  state = (await res.json()) as State;
  channel ||= state.channels[0]!.id;
  render();
  document.body.dataset.ready = 'true';
}

function start(): void {
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $<HTMLInputElement>('composer-input');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    void post('/sandbox/command', { channel, text }).catch((err: Error) => toast(err.message));
  });
  $('thread-close').addEventListener('click', () => {
    openThread = undefined;
    render();
  });
  wireAttacker(() => state?.attack);
  // One refresh at a time; a change that arrives during one triggers one more after it.
  let inFlight = false;
  let again = false;
  const update = (): void => {
    if (inFlight) return void (again = true);
    inFlight = true;
    void refresh()
      .catch((err: Error) => toast(`Lost the sandbox: ${err.message}`))
      .finally(() => {
        inFlight = false;
        if (again) {
          again = false;
          update();
        }
      });
  };
  new EventSource('/sandbox/events').onmessage = update;
}

start();
