import { cut } from './text';

/**
 * Text we did not write (locations typed in Slack, and later attacker-controlled CloudTrail
 * fields) must render as itself: no @channel pings, no disguised links, no formatting.
 * Slack's mrkdwn has exactly three control characters to escape: & < >.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Untrusted text as inline code: escaped, on one line, and with backticks swapped for a
 * look-alike so the text cannot close the code span and start formatting. `max` bounds the text
 * before escaping, in UTF-16 code units (see cut()); the result is always well-formed.
 */
export function inlineCode(text: string, max = 500): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/`/g, 'ˋ');
  return `\`${escapeMrkdwn(cut(flat, max)) || ' '}\``;
}

/** A code block for text we generated ourselves (credentials files); only & < > need care. */
export function codeBlock(text: string): string {
  return `\`\`\`${escapeMrkdwn(text)}\`\`\``;
}

/** A user mention, only for ids we validated; anything else is shown as code. */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : inlineCode(userId);
}
