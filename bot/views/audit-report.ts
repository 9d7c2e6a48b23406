import { escapeMrkdwn, inlineCode } from '../mrkdwn';
import type { AuditReport } from '../audit';
import { context, header, section } from './blocks';
import type { Block } from './blocks';

/**
 * The audit's answer. `/canary audit` always answers; the daily run posts only when something
 * is wrong (or was retired, or expires soon), so silence in the channel means all is well.
 */
export function auditReport(r: AuditReport): { ok: boolean; text: string; blocks: Block[] } {
  const ok = !r.findings.length && !r.retired.length && !r.expiring.length;
  const blocks: Block[] = [
    header(ok ? 'Canary audit: all intact' : `Canary audit: ${r.findings.length} problem${r.findings.length === 1 ? '' : 's'}`),
  ];
  if (ok) blocks.push(section(`All ${r.canaries} canaries and the detection pipeline are as they must be.`));
  const lines = r.findings
    .slice(0, 40)
    .map((f) => `• *${f.scope.replace(/[*_~`<>&]/g, '')}*: ${inlineCode(f.problem, 300)}\n   _Fix:_ ${inlineCode(f.fix, 200)}`);
  for (let i = 0; i < lines.length; i += 8) blocks.push(section(lines.slice(i, i + 8).join('\n')));
  if (r.findings.length > 40) blocks.push(context(`and ${r.findings.length - 40} more; the bot's logs have them all.`));
  if (r.retired.length)
    blocks.push(
      section(
        `*Retired because they expired:* ${r.retired
          .slice(0, 20)
          .map((c) => `${inlineCode(c.id)} (${inlineCode(c.location, 80)}, ${c.expiresOn})`)
          .join(', ')}${r.retired.length > 20 ? ` and ${r.retired.length - 20} more` : ''}`,
      ),
    );
  if (r.expiring.length)
    blocks.push(
      section(
        `*Expiring within two weeks:* ${r.expiring
          .slice(0, 40)
          .map((c) => `${inlineCode(c.id)} on ${c.expiresOn}`)
          .join(
            ', ',
          )}${r.expiring.length > 40 ? ` and ${r.expiring.length - 40} more` : ''}. Rotate or re-mint them to keep the placement covered.`,
      ),
    );
  // What the audit relies on but cannot check from here: said, never counted as a problem.
  if (r.notes.length)
    blocks.push(
      context(
        r.notes
          .slice(0, 10)
          .map((n) => escapeMrkdwn(n))
          .join('\n'),
      ),
    );
  const text = ok
    ? 'Canary audit: all intact'
    : `Canary audit: ${r.findings.length} problems, ${r.retired.length} retired, ${r.expiring.length} expiring`;
  return { ok, text, blocks };
}
