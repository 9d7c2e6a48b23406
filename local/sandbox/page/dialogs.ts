/** Slack's confirm dialogs (before a button's action) and modals (views.open). */
import { $, mount, post, readField, toast } from './dom';
import { h, renderBlock } from './render';
import type { Button } from './render';
import type { Modal } from './state';

/** Modals hold no buttons the bot uses; nothing to press. */
const noButtons = () => undefined;

export function confirmDialog(c: NonNullable<Button['confirm']>): Promise<boolean> {
  return new Promise((resolve) => {
    const overlay = $('overlay');
    overlay.replaceChildren();
    const dialog = h('div', 'dialog confirm', [h('div', 'dialog-title', [c.title]), h('div', 'dialog-body', [c.text])]);
    const box = mount(dialog, noButtons) as HTMLElement;
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

/** Field errors under their inputs, as Slack shows a response_action: errors; the rest on top. */
function showErrors(form: HTMLElement, errors: Record<string, string>): void {
  form.querySelectorAll('.field-error').forEach((slot) => (slot.textContent = ''));
  form.querySelector('.form-error')?.remove();
  for (const [blockId, error] of Object.entries(errors)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(blockId)}"]`);
    if (slot) slot.textContent = error;
    else form.querySelector('.dialog-body')?.prepend(mount(h('div', 'field-error form-error', [error]), noButtons));
  }
}

let shownModal = '';
export function renderModal(modals: Modal[], users: Record<string, string>): void {
  const top = modals[modals.length - 1];
  const key = top ? `${top.id}:${JSON.stringify(top.view)}` : '';
  const layer = $('modal-layer');
  // The same form with new errors keeps what the person typed, as Slack does.
  if (key === shownModal) {
    if (top) showErrors(layer.querySelector('form')!, top.errors);
    return;
  }
  shownModal = key;
  if (!top) {
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  const form = document.createElement('form');
  form.className = 'dialog modal';
  form.append(mount(h('div', 'dialog-title', [top.view.title?.text ?? '']), noButtons));
  const body = document.createElement('div');
  body.className = 'dialog-body';
  for (const b of top.view.blocks ?? []) body.append(mount(renderBlock(b, users), noButtons));
  form.append(body);
  showErrors(form, top.errors);
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
    for (const wrap of form.querySelectorAll<HTMLElement>('.field[data-block-id]'))
      (values[wrap.dataset.blockId!] ??= {})[wrap.dataset.actionId!] = readField(wrap);
    void post('/sandbox/submit', { modalId: top.id, values }).catch((err: Error) => toast(err.message));
  };
  layer.replaceChildren(form);
  layer.hidden = false;
}
