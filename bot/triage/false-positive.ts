import type { types } from '@slack/bolt';
import { checkFreeText, NOTE_MAX } from '../command';
import { escapeMrkdwn, inlineCode, mention } from '../mrkdwn';
import { cut } from '../text';
import { modal } from '../views/blocks';
import type { Store } from '../store';
import { ipv6Slash64, suppress as addSuppression } from './suppress';
import type { Incident } from '../model/incident';

export const FP_MODAL_ID = 'canary_false_positive';

export interface FpMetadata {
  canaryId: string;
  seq: number;
}

/**
 * Reason, and whether to stop alerting on this source for this canary: its IP (or, for IPv6, its
 * /64), optionally narrowed to its user agent. Never the user agent alone: the caller chooses it.
 */
export function fpModal(inc: Incident, meta: FpMetadata): types.ModalView {
  const e = inc.firstEvent;
  const net = e?.sourceIp ? ipv6Slash64(e.sourceIp) : undefined;
  const options = [
    ...(e?.sourceIp
      ? [{ text: { type: 'mrkdwn' as const, text: cut(`Calls from IP \`${escapeMrkdwn(e.sourceIp)}\``, 75) }, value: 'ip' }]
      : []),
    ...(net ? [{ text: { type: 'mrkdwn' as const, text: cut(`Calls from network \`${escapeMrkdwn(net)}\``, 75) }, value: 'net' }] : []),
    ...(e?.sourceIp && e.userAgent
      ? [
          {
            text: {
              type: 'mrkdwn' as const,
              text: cut(`...and only with user agent \`${escapeMrkdwn(e.userAgent.replace(/`/g, "'"))}`, 74) + '`',
            },
            value: 'ua',
          },
        ]
      : []),
  ];
  return modal(FP_MODAL_ID, meta, 'False positive', 'Mark', [
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Why is this harmless?' },
      element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: NOTE_MAX },
    },
    ...(options.length
      ? [
          {
            type: 'input' as const,
            block_id: 'suppress',
            optional: true,
            label: { type: 'plain_text' as const, text: 'Stop alerting on this source, for this canary only' },
            hint: {
              type: 'plain_text' as const,
              text: 'Its calls are still counted; /canary show lists suppressions and /canary unsuppress removes one.',
            },
            element: { type: 'checkboxes' as const, action_id: 'value', options },
          },
        ]
      : []),
  ]);
}

type State = Record<string, Record<string, { value?: string | null; selected_options?: Array<{ value: string }> }>>;

export function readFpModal(values: State): { reason: string; suppress: Set<string> } | { errors: Record<string, string> } {
  const reason = (values.reason?.value?.value ?? '').trim();
  const problem = checkFreeText('reason', reason, NOTE_MAX);
  if (problem) return { errors: { reason: problem } };
  const suppress = new Set((values.suppress?.value?.selected_options ?? []).map((o) => o.value));
  if (suppress.has('ua') && !suppress.has('ip') && !suppress.has('net')) {
    return {
      errors: { suppress: 'A user agent is chosen by the caller, so it cannot make a suppression alone: pick the IP or network too.' },
    };
  }
  return { reason, suppress };
}

/**
 * Closes the incident as a false positive, once: the conditional write elects the first submit.
 * Returns the thread line to post, or why nothing happened.
 */
export async function markFalsePositive(
  store: Store,
  inc: Incident,
  by: string,
  reason: string,
  suppress: Set<string>,
): Promise<{ ok: true; line: string } | { ok: false; why: string }> {
  const at = new Date().toISOString();
  const won = await store.recordFalsePositive(inc.canaryId, inc.seq, { by, at, reason });
  if (!won) return { ok: false, why: `Already marked false positive${inc.triage ? ` by ${mention(inc.triage.by)}` : ''}.` };
  await store.recordAction(inc.canaryId, { action: 'false-positive', by, incident: inc.seq, detail: reason, at });
  const e = inc.firstEvent;
  const where = suppress.has('net') && e?.sourceIp ? ipv6Slash64(e.sourceIp) : suppress.has('ip') ? e?.sourceIp : undefined;
  const rule = {
    ...(where ? { sourceIp: where } : {}),
    ...(where && suppress.has('ua') && e?.userAgent ? { userAgent: e.userAgent } : {}),
  };
  let suppressed = '';
  if (rule.sourceIp) {
    const id = await addSuppression(store, inc.canaryId, { ...rule, reason, by, at }, inc.seq);
    suppressed = ` Calls from ${[rule.sourceIp && `${rule.sourceIp.includes('/') ? 'network' : 'IP'} ${inlineCode(rule.sourceIp)}`, rule.userAgent && `user agent ${inlineCode(rule.userAgent, 120)}`].filter(Boolean).join(' with ')} are counted but no longer alert for this canary (suppression ${inlineCode(id)}).`;
  }
  return { ok: true, line: `:white_check_mark: Marked false positive by ${mention(by)}: ${inlineCode(reason, 500)}.${suppressed}` };
}
