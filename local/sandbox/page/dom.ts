/** The page's DOM helpers: the server's JSON routes, and mounting render trees safely. */
import type { Button, Field, VNode } from './render';

export type OnButton = (b: Button, el: HTMLButtonElement) => void;

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    const { error } = (await res.json().catch(() => ({ error: res.statusText }))) as { error: string };
    throw new Error(error);
  }
}

export function toast(text: string): void {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  setTimeout(() => (t.hidden = true), 6000);
}

// Mounting the render tree: createElement and textContent only.
export function mount(node: VNode | string, onButton: OnButton): Node {
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

function mountField(f: Field, labels: Array<VNode | string>, onButton: OnButton): Node {
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

export function readField(wrap: HTMLElement): Record<string, unknown> {
  const type = wrap.dataset.type!;
  if (type === 'plain_text_input') return { type, value: (wrap.querySelector('input,textarea') as HTMLInputElement).value || null };
  if (type === 'checkboxes') {
    const boxes = [...wrap.querySelectorAll<HTMLInputElement>('input[type=checkbox]')].filter((b) => b.checked);
    return { type, selected_options: boxes.map((b) => ({ value: b.value, text: { type: 'plain_text', text: b.dataset.text ?? '' } })) };
  }
  const select = wrap.querySelector('select')!;
  if (type === 'users_select') return { type, selected_user: select.value || null };
  const chosen = select.selectedOptions[0];
  return {
    type,
    selected_option: select.value && chosen ? { value: select.value, text: { type: 'plain_text', text: chosen.text } } : null,
  };
}
