/**
 * Block Kit and mrkdwn as a tree of plain nodes, for the sandbox page. It renders what the bot
 * uses (header, section with text and fields, context, divider, actions with buttons, input
 * blocks with plain_text_input, static_select, users_select and checkboxes) and names anything
 * else instead of guessing. No DOM here: the page mounts the tree with createElement and
 * textContent only, so text from an attacker (a user agent, say) can never become markup, and
 * links are kept only for http(s) and mailto.
 */
export interface Button {
  actionId: string;
  blockId?: string;
  value?: string;
  confirm?: { title: string; text: string; confirm: string; deny: string; style?: string };
}

export interface Field {
  blockId: string;
  actionId: string;
  type: string;
  options?: Array<{ value: string; text: string; selected: boolean }>;
  initial?: string;
  multiline?: boolean;
  maxLength?: number;
  optional?: boolean;
}

export interface VNode {
  tag: string;
  cls?: string;
  attrs?: Record<string, string>;
  button?: Button;
  field?: Field;
  children: Array<VNode | string>;
}

type Json = Record<string, unknown>;
type Child = VNode | string;

export const h = (tag: string, cls: string | undefined, children: Child[] = [], extra: Partial<VNode> = {}): VNode => ({
  tag,
  ...(cls ? { cls } : {}),
  children,
  ...extra,
});

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The shortcodes the bot uses, and a few neighbours; others stay as typed, as in Slack. */
const EMOJI: Record<string, string> = {
  rotating_light: '🚨',
  large_yellow_circle: '🟡',
  large_orange_circle: '🟠',
  red_circle: '🔴',
  large_green_circle: '🟢',
  white_check_mark: '✅',
  warning: '⚠️',
  lock: '🔒',
  recycle: '♻️',
  hourglass_flowing_sand: '⏳',
  file_cabinet: '🗄️',
  test_tube: '🧪',
};
const emojify = (s: string) => s.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => EMOJI[name] ?? all);
const plainText = (s: string) => emojify(decode(s));
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown) => (typeof x === 'string' ? x : '');

/** `<...>` entities: people, channels, special mentions, dates and links. */
function entity(inner: string, users: Record<string, string>): Child {
  const [target = '', label] = inner.split('|', 2) as [string, string | undefined];
  if (target.startsWith('@')) return h('span', 'mention', [`@${users[target.slice(1)] ?? target.slice(1)}`]);
  if (target.startsWith('#')) return h('span', 'mention', [`#${label ?? target.slice(1)}`]);
  if (target.startsWith('!date')) return decode(label ?? '');
  if (target.startsWith('!subteam^')) return h('span', 'mention', [`@${label ?? 'group'}`]);
  if (target.startsWith('!')) return h('span', 'mention', [`@${target.slice(1)}`]);
  const href = decode(target);
  const shown = decode(label ?? target);
  return /^(https?:|mailto:)/i.test(href)
    ? h('a', undefined, [shown], { attrs: { href, target: '_blank', rel: 'noopener noreferrer' } })
    : shown;
}

const INLINE =
  /(`[^`\n]+`)|<([^<>\s][^<>]*)>|(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w_])_([^_\n]+)_(?![\w_])|(?<![\w~])~([^~\n]+)~(?![\w~])/g;

function inline(source: string, users: Record<string, string>): Child[] {
  const out: Child[] = [];
  let last = 0;
  for (const m of source.matchAll(INLINE)) {
    if (m.index > last) out.push(plainText(source.slice(last, m.index)));
    if (m[1]) out.push(h('code', undefined, [decode(m[1].slice(1, -1))]));
    else if (m[2]) out.push(entity(m[2], users));
    else if (m[3]) out.push(h('b', undefined, inline(m[3], users)));
    else if (m[4]) out.push(h('i', undefined, inline(m[4], users)));
    else if (m[5]) out.push(h('s', undefined, inline(m[5], users)));
    last = m.index + m[0].length;
  }
  if (last < source.length) out.push(plainText(source.slice(last)));
  return out;
}

/** Slack's mrkdwn: code fences first (nothing inside them is formatted), then inline marks. */
export function mrkdwn(text: string, users: Record<string, string> = {}): Child[] {
  const out: Child[] = [];
  text.split(/```/).forEach((part, i) => {
    if (i % 2 === 1) out.push(h('pre', undefined, [decode(part.replace(/^\n/, ''))]));
    else if (part) out.push(...inline(part, users));
  });
  return out;
}

export function textObject(t: unknown, users: Record<string, string>): Child[] {
  if (!isObj(t)) return [];
  return t.type === 'mrkdwn' ? mrkdwn(str(t.text), users) : [t.emoji === false ? str(t.text) : emojify(str(t.text))];
}

const plain = (t: unknown) => (isObj(t) ? str(t.text) : '');

function button(el: Json, blockId: string | undefined): VNode {
  const c = isObj(el.confirm) ? el.confirm : undefined;
  const spec: Button = {
    actionId: str(el.action_id),
    ...(blockId ? { blockId } : {}),
    ...(typeof el.value === 'string' ? { value: el.value } : {}),
    ...(c
      ? {
          confirm: {
            title: plain(c.title),
            text: plain(c.text),
            confirm: plain(c.confirm) || 'Yes',
            deny: plain(c.deny) || 'Cancel',
            ...(typeof c.style === 'string' ? { style: c.style } : {}),
          },
        }
      : {}),
  };
  return h('button', `btn ${str(el.style)}`.trim(), [plain(el.text)], { button: spec });
}

function inputField(b: Json, users: Record<string, string>): VNode {
  const el = isObj(b.element) ? b.element : {};
  const blockId = str(b.block_id);
  const base = { blockId, actionId: str(el.action_id), type: str(el.type), ...(b.optional === true ? { optional: true } : {}) };
  const label = h('label', 'input-label', [plain(b.label), ...(b.optional === true ? [h('span', 'optional', [' (optional)'])] : [])]);
  const hint = b.hint ? [h('div', 'hint', [plain(b.hint)])] : [];
  const opt = (o: unknown) => (isObj(o) ? { value: str(o.value), text: plain(o.text) } : { value: '', text: '' });
  let field: Field;
  let optionNodes: Child[] = [];
  switch (el.type) {
    case 'plain_text_input':
      field = {
        ...base,
        ...(typeof el.initial_value === 'string' ? { initial: el.initial_value } : {}),
        ...(el.multiline === true ? { multiline: true } : {}),
        ...(typeof el.max_length === 'number' ? { maxLength: el.max_length } : {}),
      };
      break;
    case 'static_select': {
      const initial = opt(el.initial_option).value;
      field = {
        ...base,
        options: (Array.isArray(el.options) ? el.options : []).map(opt).map((o) => ({ ...o, selected: o.value === initial })),
      };
      break;
    }
    case 'users_select':
      field = { ...base, options: Object.entries(users).map(([value, text]) => ({ value, text, selected: value === el.initial_user })) };
      break;
    case 'checkboxes': {
      const initial = new Set((Array.isArray(el.initial_options) ? el.initial_options : []).map((o) => opt(o).value));
      const options = Array.isArray(el.options) ? el.options : [];
      field = { ...base, options: options.map(opt).map((o) => ({ ...o, selected: initial.has(o.value) })) };
      // Checkbox labels may be mrkdwn; the page puts these next to the boxes.
      optionNodes = options.map((o) => h('span', 'option-text', isObj(o) ? textObject(o.text, users) : []));
      break;
    }
    default:
      return h('div', 'unsupported', [`[${str(el.type)} input: not rendered by the sandbox]`]);
  }
  return h('div', 'input-block', [
    label,
    h('div', 'field', optionNodes, { field }),
    ...hint,
    h('div', 'field-error', [], { attrs: { 'data-error-for': blockId } }),
  ]);
}

export function renderBlock(b: unknown, users: Record<string, string>): VNode {
  if (!isObj(b)) return h('div', 'unsupported', ['[malformed block]']);
  const blockId = typeof b.block_id === 'string' ? b.block_id : undefined;
  switch (b.type) {
    case 'header':
      return h('div', 'block-header', [plain(b.text)]);
    case 'section':
      return h('div', 'block-section', [
        ...(b.text ? [h('div', 'section-text', textObject(b.text, users))] : []),
        ...(Array.isArray(b.fields)
          ? [
              h(
                'div',
                'section-fields',
                b.fields.map((f) => h('div', 'section-field', textObject(f, users))),
              ),
            ]
          : []),
        ...(isObj(b.accessory) && b.accessory.type === 'button' ? [button(b.accessory, blockId)] : []),
      ]);
    case 'context':
      return h(
        'div',
        'block-context',
        (Array.isArray(b.elements) ? b.elements : []).map((e) => h('span', undefined, textObject(e, users))),
      );
    case 'divider':
      return h('hr', 'block-divider');
    case 'actions':
      return h(
        'div',
        'block-actions',
        (Array.isArray(b.elements) ? b.elements : []).map((e) =>
          isObj(e) && e.type === 'button' ? button(e, blockId) : h('span', 'unsupported', [`[${isObj(e) ? str(e.type) : '?'}]`]),
        ),
      );
    case 'input':
      return inputField(b, users);
    default:
      return h('div', 'unsupported', [`[${str(b.type)} block: not rendered by the sandbox]`]);
  }
}

/** A message: its blocks, or its text when it has none (Slack shows text only then). */
export function renderMessage(m: { text: string; blocks?: unknown[] }, users: Record<string, string>): VNode {
  return m.blocks?.length
    ? h(
        'div',
        'blocks',
        m.blocks.map((b) => renderBlock(b, users)),
      )
    : h('div', 'section-text', mrkdwn(m.text, users));
}
