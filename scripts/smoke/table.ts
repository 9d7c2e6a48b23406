/**
 * The run's verdict, one row per kind: what an operator reads right after deploying. A row that
 * did not alert says what to fix in the same line, so the table alone is the whole report.
 */
export interface Row {
  kind: string;
  canaryId?: string;
  alerted: 'yes' | 'no' | 'degraded' | 'unknown';
  seconds?: number;
  fix?: string;
}

const HEAD = ['kind', 'canary', 'alerted', 'seconds', 'what to fix'];

export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [r.kind, r.canaryId ?? '-', r.alerted, r.seconds === undefined ? '-' : r.seconds.toFixed(1), r.fix ?? '']);
  const widths = HEAD.slice(0, -1).map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 3 ? v.padStart(widths[i]!) : i < widths.length ? v.padEnd(widths[i]!) : v))
      .join('  ')
      .trimEnd();
  return [line(HEAD), line(HEAD.map((h, i) => '-'.repeat(i < widths.length ? widths[i]! : h.length))), ...cells.map(line)].join('\n');
}

/** Passed: every kind alerted, in full, as the canary the smoke minted. */
export const passed = (rows: Row[]) => rows.length > 0 && rows.every((r) => r.alerted === 'yes' && !r.fix);
