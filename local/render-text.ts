/**
 * Block Kit as terminal text, for the offline sandbox: enough to read what the bot said.
 * Slack's entities are decoded for display; mrkdwn markers are left as typed.
 */
type Json = Record<string, unknown>;

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const textOf = (t: unknown) => (t && typeof t === 'object' && typeof (t as Json).text === 'string' ? decode((t as Json).text as string) : '');

export function renderBlocks(blocks: unknown[]): string {
  const out: string[] = [];
  for (const raw of blocks) {
    const b = raw as Json;
    switch (b.type) {
      case 'header':
        out.push(`== ${textOf(b.text)} ==`);
        break;
      case 'section':
        if (b.text) out.push(textOf(b.text));
        if (Array.isArray(b.fields)) out.push(b.fields.map((f) => textOf(f).replace('\n', ': ')).join('\n'));
        break;
      case 'context':
        out.push(`  (${(b.elements as unknown[]).map(textOf).join(' ')})`);
        break;
      case 'divider':
        out.push('----');
        break;
      case 'actions':
        out.push((b.elements as Json[]).map((e) => `[${textOf(e.text)}]`).join(' '));
        break;
      case 'input':
        out.push(`${textOf(b.label)}: ____`);
        break;
      default:
        out.push(`<${String(b.type)} block>`);
    }
  }
  return out.join('\n');
}

export function renderMessage(m: Json): string {
  return Array.isArray(m.blocks) && m.blocks.length ? renderBlocks(m.blocks) : decode(String(m.text ?? ''));
}
