import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, inlineCode, mention } from '../../bot/mrkdwn';

describe('text we did not write renders as itself in Slack', () => {
  it('escapes the three control characters of mrkdwn, so no pings or disguised links', () => {
    expect(escapeMrkdwn('<!channel> <https://evil.example|docs> a&b')).toBe('&lt;!channel&gt; &lt;https://evil.example|docs&gt; a&amp;b');
  });

  it('keeps untrusted text inside one code span: no backtick escape, no new lines', () => {
    expect(inlineCode('a`*bold*`\n<!here>')).toBe('`aˋ*bold*ˋ &lt;!here&gt;`');
    expect(inlineCode('x'.repeat(20), 10)).toBe('`xxxxxxxxx…`');
    expect(inlineCode('')).toBe('` `');
  });

  it('builds a mention only from a real user id', () => {
    expect(mention('U0ALICE')).toBe('<@U0ALICE>');
    expect(mention('<!channel>')).toBe('`&lt;!channel&gt;`');
  });
});
