/** Every string Slack renders as mrkdwn in a message: the fallback text and each mrkdwn text object. */
export function mrkdwnOf(m: Record<string, unknown>): string[] {
  const out = [String(m.text ?? '')];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(m.blocks);
  return out;
}
