/**
 * The Block Kit limits Slack enforces, checked by the Slack stand-in so a message that Slack
 * would reject fails the tests too. Only the elements the bot uses are known; anything else is
 * reported, so adding a new element means adding its limits here.
 * Source: Slack's Block Kit reference (blocks, block elements, composition objects, surfaces).
 */
type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

function text(errors: string[], at: string, t: unknown, max: number, types: string[] = ['plain_text', 'mrkdwn']): void {
  if (!isObj(t)) return void errors.push(`${at}: must be a text object`);
  if (!types.includes(String(t.type))) errors.push(`${at}.type: must be ${types.join(' or ')}`);
  if (typeof t.text !== 'string' || t.text.length === 0) errors.push(`${at}.text: must be a non-empty string`);
  else if (t.text.length > max) errors.push(`${at}.text: ${t.text.length} chars, max ${max}`);
}

function confirm(errors: string[], at: string, c: unknown): void {
  if (!isObj(c)) return void errors.push(`${at}: must be an object`);
  text(errors, `${at}.title`, c.title, 100, ['plain_text']);
  text(errors, `${at}.text`, c.text, 300);
  text(errors, `${at}.confirm`, c.confirm, 30, ['plain_text']);
  text(errors, `${at}.deny`, c.deny, 30, ['plain_text']);
}

function actionId(errors: string[], at: string, e: Json): void {
  if (e.action_id !== undefined && (typeof e.action_id !== 'string' || e.action_id.length > 255))
    errors.push(`${at}.action_id: max 255 chars`);
}

function element(errors: string[], at: string, e: unknown, inInput: boolean): void {
  if (!isObj(e)) return void errors.push(`${at}: must be an object`);
  actionId(errors, at, e);
  switch (e.type) {
    case 'button':
      text(errors, `${at}.text`, e.text, 75, ['plain_text']);
      if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > 2000)) errors.push(`${at}.value: max 2000 chars`);
      if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > 3000)) errors.push(`${at}.url: max 3000 chars`);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') errors.push(`${at}.style: primary or danger`);
      if (e.confirm !== undefined) confirm(errors, `${at}.confirm`, e.confirm);
      return;
    case 'plain_text_input':
      if (!inInput) errors.push(`${at}: plain_text_input only in input blocks`);
      if (typeof e.max_length === 'number' && e.max_length > 3000) errors.push(`${at}.max_length: max 3000`);
      return;
    case 'static_select': {
      const options = Array.isArray(e.options) ? e.options : [];
      if (options.length === 0 || options.length > 100) errors.push(`${at}.options: 1 to 100 options`);
      options.forEach((o, i) => {
        if (!isObj(o)) return void errors.push(`${at}.options[${i}]: must be an object`);
        text(errors, `${at}.options[${i}].text`, o.text, 75, ['plain_text']);
        if (typeof o.value !== 'string' || o.value.length > 150) errors.push(`${at}.options[${i}].value: max 150 chars`);
      });
      return;
    }
    case 'checkboxes': {
      if (!inInput) errors.push(`${at}: checkboxes only in input blocks here`);
      const options = Array.isArray(e.options) ? e.options : [];
      if (options.length === 0 || options.length > 10) errors.push(`${at}.options: 1 to 10 options`);
      options.forEach((o, i) => {
        if (!isObj(o)) return void errors.push(`${at}.options[${i}]: must be an object`);
        text(errors, `${at}.options[${i}].text`, o.text, 75);
        if (typeof o.value !== 'string' || o.value.length > 150) errors.push(`${at}.options[${i}].value: max 150 chars`);
      });
      return;
    }
    case 'users_select':
      return;
    default:
      errors.push(`${at}.type: ${String(e.type)} is not an element the stand-in knows`);
  }
}

function block(errors: string[], at: string, b: unknown, surface: 'message' | 'modal'): void {
  if (!isObj(b)) return void errors.push(`${at}: must be an object`);
  if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255)) errors.push(`${at}.block_id: max 255 chars`);
  switch (b.type) {
    case 'header':
      return text(errors, `${at}.text`, b.text, 150, ['plain_text']);
    case 'section': {
      if (b.text === undefined && b.fields === undefined) errors.push(`${at}: needs text or fields`);
      if (b.text !== undefined) text(errors, `${at}.text`, b.text, 3000);
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length > 10) errors.push(`${at}.fields: max 10`);
        else b.fields.forEach((f, i) => text(errors, `${at}.fields[${i}]`, f, 2000));
      }
      if (b.accessory !== undefined) element(errors, `${at}.accessory`, b.accessory, false);
      return;
    }
    case 'context': {
      const els = Array.isArray(b.elements) ? b.elements : [];
      if (els.length === 0 || els.length > 10) errors.push(`${at}.elements: 1 to 10`);
      els.forEach((e, i) => text(errors, `${at}.elements[${i}]`, e, 3000));
      return;
    }
    case 'divider':
      return;
    case 'actions': {
      const els = Array.isArray(b.elements) ? b.elements : [];
      if (els.length === 0 || els.length > 25) errors.push(`${at}.elements: 1 to 25`);
      els.forEach((e, i) => element(errors, `${at}.elements[${i}]`, e, false));
      return;
    }
    case 'input':
      if (surface !== 'modal') errors.push(`${at}: input blocks only in modals`);
      text(errors, `${at}.label`, b.label, 2000, ['plain_text']);
      if (b.hint !== undefined) text(errors, `${at}.hint`, b.hint, 2000, ['plain_text']);
      return element(errors, `${at}.element`, b.element, true);
    default:
      errors.push(`${at}.type: ${String(b.type)} is not a block the stand-in knows`);
  }
}

export function checkBlocks(blocks: unknown, surface: 'message' | 'modal'): string[] {
  const errors: string[] = [];
  if (blocks === undefined) return errors;
  if (!Array.isArray(blocks)) return ['blocks: must be an array'];
  const max = surface === 'modal' ? 100 : 50;
  if (blocks.length > max) errors.push(`blocks: ${blocks.length}, max ${max}`);
  blocks.forEach((b, i) => block(errors, `blocks[${i}]`, b, surface));
  return errors;
}

/** A message (chat.postMessage, chat.update, chat.postEphemeral, a response_url post). */
export function checkMessage(args: Json): string[] {
  const errors = checkBlocks(args.blocks, 'message');
  if (args.text !== undefined && (typeof args.text !== 'string' || args.text.length > 40000)) errors.push('text: max 40000 chars');
  if (args.blocks === undefined && !args.text) errors.push('text: required when there are no blocks');
  return errors;
}

export function checkView(view: unknown): string[] {
  if (!isObj(view)) return ['view: must be an object'];
  const errors: string[] = [];
  if (view.type !== 'modal') errors.push('view.type: only modal');
  text(errors, 'view.title', view.title, 24, ['plain_text']);
  if (view.submit !== undefined) text(errors, 'view.submit', view.submit, 24, ['plain_text']);
  if (view.close !== undefined) text(errors, 'view.close', view.close, 24, ['plain_text']);
  if (view.private_metadata !== undefined && (typeof view.private_metadata !== 'string' || view.private_metadata.length > 3000))
    errors.push('view.private_metadata: max 3000 chars');
  if (view.callback_id !== undefined && (typeof view.callback_id !== 'string' || view.callback_id.length > 255))
    errors.push('view.callback_id: max 255 chars');
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  if (blocks.some((b) => isObj(b) && b.type === 'input') && view.submit === undefined)
    errors.push('view.submit: required with input blocks');
  return [...errors, ...checkBlocks(view.blocks, 'modal')];
}
