import { h, renderBlock, renderMessage } from './render';
import type { Button, Field, VNode } from './render';

/**
 * The sandbox page: a Slack-like channel, thread and modal view of what the bot sent, and the
 * attacker panel. It only shows server state (fetched on each server-sent change) and posts what
 * the person does; the server turns that into Slack's signed requests.
 */
interface Message {
  id: string;
  channel: string;
  ts?: string;
  threadTs?: string;
  ephemeral: boolean;
  at: number;
  text: string;
  blocks?: unknown[];
  edited?: boolean;
}
interface Modal {
  id: string;
  view: { title?: { text: string }; submit?: { text: string }; close?: { text: string }; blocks?: unknown[] };
  errors: Record<string, string>;
}
interface Target {
  canaryId: string;
  kind: string;
  label: string;
  calls: string[];
}
interface State {
  user: string;
  users: Record<string, string>;
  channels: Array<{ id: string; name: string }>;
  messages: Message[];
  modals: Modal[];
  attack: {
    targets: Target[];
    objects: Array<{ canaryId: string; label: string }>;
    running: boolean;
    sent: number;
    total: number;
    maxFlood: number;
    last?: { sent: number; answer: string; canaryId: string; call: string; at: string };
  };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let state: State | undefined;
let channel = '';
let openThread: string | undefined;

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    const { error } = (await res.json().catch(() => ({ error: res.statusText }))) as { error: string };
    throw new Error(error);
  }
}

function toast(text: string): void {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  setTimeout(() => (t.hidden = true), 6000);
}

// --- Mounting the render tree: createElement and textContent only. ---

function mount(node: VNode | string, onButton: (b: Button, el: HTMLButtonElement) => void): Node {
  if (typeof node === 'string') return document.createTextNode(node);
  if (node.field) return mountField(node.field, node.children, onButton);
  const el = document.createElement(node.tag);
  if (node.cls) el.className = node.cls;
  for (const [k, v] of Object.entries(node.attrs ?? {})) el.setAttribute(k, v);
  for (const c of node.children) el.append(mount(c, onButton));
  if (node.button) {
    const b = node.button;
    el.dataset.actionId = b.actionId;
    el.addEventListener('click', () => onButton(b, el as HTMLButtonElement));
  }
  return el;
}

function mountField(f: Field, labels: Array<VNode | string>, onButton: (b: Button, el: HTMLButtonElement) => void): Node {
  const wrap = document.createElement('div');
  wrap.className = 'field';
  wrap.dataset.blockId = f.blockId;
  wrap.dataset.actionId = f.actionId;
  wrap.dataset.type = f.type;
  if (f.type === 'plain_text_input') {
    const input = document.createElement(f.multiline ? 'textarea' : 'input');
    input.name = f.blockId;
    if (f.initial) input.value = f.initial;
    if (f.maxLength) input.maxLength = f.maxLength;
    wrap.append(input);
  } else if (f.type === 'checkboxes') {
    (f.options ?? []).forEach((o, i) => {
      const label = document.createElement('label');
      label.className = 'checkbox';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = o.value;
      box.checked = o.selected;
      box.dataset.text = o.text;
      label.append(box, labels[i] ? mount(labels[i]!, onButton) : document.createTextNode(o.text));
      wrap.append(label);
    });
  } else {
    const select = document.createElement('select');
    select.name = f.blockId;
    if (f.optional || !(f.options ?? []).some((o) => o.selected)) select.append(new Option('Select…', ''));
    for (const o of f.options ?? []) select.append(new Option(o.text, o.value, o.selected, o.selected));
    wrap.append(select);
  }
  return wrap;
}

function readField(wrap: HTMLElement): Record<string, unknown> {
  const type = wrap.dataset.type!;
  if (type === 'plain_text_input') return { type, value: (wrap.querySelector('input,textarea') as HTMLInputElement).value || null };
  if (type === 'checkboxes') {
    const boxes = [...wrap.querySelectorAll<HTMLInputElement>('input[type=checkbox]')].filter((b) => b.checked);
    return { type, selected_options: boxes.map((b) => ({ value: b.value, text: { type: 'plain_text', text: b.dataset.text ?? '' } })) };
  }
  const select = wrap.querySelector('select')!;
  if (type === 'users_select') return { type, selected_user: select.value || null };
  const chosen = select.selectedOptions[0];
  return { type, selected_option: select.value && chosen ? { value: select.value, text: { type: 'plain_text', text: chosen.text } } : null };
}

// --- Confirm dialogs and modals. ---

function confirmDialog(c: NonNullable<Button['confirm']>): Promise<boolean> {
  return new Promise((resolve) => {
    const overlay = $('overlay');
    overlay.replaceChildren();
    const dialog = h('div', 'dialog confirm', [h('div', 'dialog-title', [c.title]), h('div', 'dialog-body', [c.text])]);
    const box = mount(dialog, () => undefined) as HTMLElement;
    const actions = document.createElement('div');
    actions.className = 'dialog-actions';
    const deny = document.createElement('button');
    deny.className = 'btn';
    deny.id = 'confirm-deny';
    deny.textContent = c.deny;
    const ok = document.createElement('button');
    ok.className = `btn ${c.style === 'danger' ? 'danger' : 'primary'}`;
    ok.id = 'confirm-ok';
    ok.textContent = c.confirm;
    const done = (yes: boolean) => {
      overlay.hidden = true;
      overlay.replaceChildren();
      resolve(yes);
    };
    deny.onclick = () => done(false);
    ok.onclick = () => done(true);
    actions.append(deny, ok);
    box.append(actions);
    overlay.append(box);
    overlay.hidden = false;
  });
}

let shownModal = '';
function renderModal(modals: Modal[]): void {
  const top = modals[modals.length - 1];
  const key = top ? JSON.stringify(top) : '';
  if (key === shownModal) return; // keep what the person has typed
  shownModal = key;
  const layer = $('modal-layer');
  if (!top) {
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  const users = state!.users;
  const form = document.createElement('form');
  form.className = 'dialog modal';
  form.append(mount(h('div', 'dialog-title', [top.view.title?.text ?? '']), onButton));
  const body = document.createElement('div');
  body.className = 'dialog-body';
  for (const b of top.view.blocks ?? []) body.append(mount(renderBlock(b, users), onButton));
  form.append(body);
  for (const [blockId, error] of Object.entries(top.errors)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(blockId)}"]`);
    if (slot) slot.textContent = error;
    else body.prepend(mount(h('div', 'field-error', [error]), onButton));
  }
  const actions = document.createElement('div');
  actions.className = 'dialog-actions';
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'btn';
  close.textContent = top.view.close?.text ?? 'Cancel';
  close.onclick = () => void post('/sandbox/close', {}).catch((e: Error) => toast(e.message));
  actions.append(close);
  if (top.view.submit) {
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.className = 'btn primary';
    submit.id = 'modal-submit';
    submit.textContent = top.view.submit.text;
    actions.append(submit);
  }
  form.append(actions);
  form.onsubmit = (e) => {
    e.preventDefault();
    const values: Record<string, Record<string, unknown>> = {};
    for (const wrap of form.querySelectorAll<HTMLElement>('.field[data-block-id]')) (values[wrap.dataset.blockId!] ??= {})[wrap.dataset.actionId!] = readField(wrap);
    void post('/sandbox/submit', { modalId: top.id, values }).catch((err: Error) => toast(err.message));
  };
  layer.replaceChildren(form);
  layer.hidden = false;
}

// --- Messages, channels and threads. ---

/** Buttons outside messages (none today) do nothing. */
const onButton = () => undefined;

const press = (message: Message) => (b: Button, el: HTMLButtonElement) => {
  void (async () => {
    if (b.confirm && !(await confirmDialog(b.confirm))) return;
    el.disabled = true;
    await post('/sandbox/action', { messageId: message.id, actionId: b.actionId, blockId: b.blockId, value: b.value }).catch((e: Error) => toast(e.message));
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
  meta.append(mount(h('b', undefined, ['Canary']), onButton), mount(h('span', 'app-badge', ['APP']), onButton), mount(h('span', 'time', [time(m.at)]), onButton));
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
  $<HTMLInputElement>('composer-input').placeholder = `Message ${current?.id.startsWith('C') ? '#' : ''}${current?.name ?? ''}: try /canary help`;
}

function renderMessages(): void {
  const all = state!.messages.filter((m) => m.channel === channel);
  const replies = (m: Message) => all.filter((r) => r.threadTs && r.threadTs === m.ts && r.id !== m.id);
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(...all.filter((m) => !m.threadTs || m.threadTs === m.ts).map((m) => messageNode(m, replies(m).length)));
  if (!all.length) list.append(mount(h('div', 'empty', ['Nothing here yet. Type /canary new laptop-42 below to mint a decoy key.']), onButton));
  if (atBottom) list.scrollTop = list.scrollHeight;

  const pane = $('thread');
  const parent = all.find((m) => m.id === openThread);
  pane.hidden = !parent;
  if (parent) $('thread-messages').replaceChildren(messageNode(parent, 0), mount(h('div', 'thread-divider', [`${replies(parent).length} replies`]), onButton), ...replies(parent).map((r) => messageNode(r, 0)));
}

// --- The attacker panel. ---

function setOptions(select: HTMLSelectElement, options: Array<{ value: string; text: string }>, empty: string): void {
  const keep = select.value;
  const key = JSON.stringify(options);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  select.replaceChildren(...(options.length ? options.map((o) => new Option(o.text, o.value)) : [new Option(empty, '')]));
  if (options.some((o) => o.value === keep)) select.value = keep;
}

function renderAttacker(): void {
  const a = state!.attack;
  const canary = $<HTMLSelectElement>('attack-canary');
  setOptions(canary, a.targets.map((t) => ({ value: t.canaryId, text: t.label })), 'no canary found yet');
  const target = a.targets.find((t) => t.canaryId === canary.value);
  const call = $<HTMLSelectElement>('attack-call');
  setOptions(call, (target?.calls ?? []).map((c) => ({ value: c, text: c })), '-');
  const object = $<HTMLSelectElement>('attack-object');
  setOptions(object, a.objects.map((o) => ({ value: o.canaryId, text: o.label })), 'no S3 decoy: /canary new s3-object <where>');
  $('attack-object-row').hidden = !(call.value === 'GetObject' && target?.kind === 'aws-key');
  $<HTMLInputElement>('attack-count').max = String(a.maxFlood);
  $('attack-count-row').hidden = !$<HTMLInputElement>('attack-flood').checked;
  $<HTMLButtonElement>('attack-go').disabled = a.running || !target;
  $('attack-empty').hidden = a.targets.length > 0;
  const status = $('attack-status');
  status.dataset.at = a.last?.at ?? '';
  if (a.running) status.textContent = `Calling… ${a.sent} / ${a.total} events on the bus`;
  else if (a.last) status.textContent = `${a.last.call} with ${a.last.canaryId}: ${a.last.answer}\n${a.last.sent} CloudTrail event(s) put on the bus.`;
  else status.textContent = '';
}

function wireAttacker(): void {
  for (const id of ['attack-canary', 'attack-call', 'attack-flood']) $(id).addEventListener('change', () => state && renderAttacker());
  $('attack-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const flood = $<HTMLInputElement>('attack-flood').checked;
    const call = $<HTMLSelectElement>('attack-call').value;
    void post('/sandbox/attack', {
      canaryId: $<HTMLSelectElement>('attack-canary').value,
      call,
      ...(call === 'GetObject' ? { objectId: $<HTMLSelectElement>('attack-object').value } : {}),
      sourceIp: $<HTMLInputElement>('attack-ip').value.trim(),
      userAgent: $<HTMLInputElement>('attack-ua').value,
      count: flood ? Number($<HTMLInputElement>('attack-count').value) : 1,
    }).catch((err: Error) => toast(err.message));
  });
}

// --- The loop: every server change re-renders from fresh state. ---

function render(): void {
  if (!state) return;
  renderChannels();
  renderMessages();
  renderModal(state.modals);
  renderAttacker();
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
  wireAttacker();
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
