import { inlineCode, mention } from '../mrkdwn';
import { disableKeyButton } from './alert';
import { context, fields, header, section } from './blocks';
import type { Block } from './blocks';
import type { CanaryRecord } from '../model/canary';

/** Silent use: the key was used, but not in a way CloudTrail logs. As urgent as any alert. */
export function silentUseAlert(c: CanaryRecord, service: string, region: string, at: string): { text: string; blocks: Block[] } {
  return {
    text: `Silent use of canary ${c.id}: ${service} in ${region}`,
    blocks: [
      header(`Silent use of a canary: ${c.location}`),
      section(
        ':rotating_light: *High severity*: the key was used by a call CloudTrail does not log (attackers validate stolen keys this way, e.g. `sqs:ListQueues`). IAM saw it; no CloudTrail event matches.',
      ),
      fields([
        ['Canary', inlineCode(c.id)],
        ['Owner', c.owner ? mention(c.owner) : '_none_'],
        ['Key id', inlineCode(c.resource.accessKeyId ?? 'unknown')],
        ['Service', inlineCode(service, 100)],
        ['Region', inlineCode(region, 64)],
        ['Last used', at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')],
      ]),
      { type: 'actions', block_id: 'triage', elements: [disableKeyButton(JSON.stringify({ canaryId: c.id, seq: 0 }))] },
      context(
        'From the silent-use net: GetAccessKeyLastUsed moved with no matching CloudTrail event. IAM reports service and region, not the caller.',
      ),
    ],
  };
}

/** The net fell behind: keys of an account not read within the window, named. */
export function silentUseLate(
  account: string,
  unread: number,
  total: number,
  ids: string[],
  windowMinutes: number,
): { text: string; blocks: Block[] } {
  const where = account ? `account ${account}` : 'this account';
  const text = `Silent-use net behind: ${unread} of ${total} canary keys in ${where} not read within ${windowMinutes} minutes`;
  return {
    text,
    blocks: [
      section(`:warning: *${text}.* Until they are read again, a silent use of these keys goes unnoticed.`),
      context(
        `Not read: ${ids
          .slice(0, 30)
          .map((id) => inlineCode(id))
          .join(
            ', ',
          )}${ids.length > 30 ? ` and ${ids.length - 30} more` : ''}. Usually IAM throttling (lower IAM_CALLS_PER_SECOND, or find what else calls IAM there) or the audit function failing (its logs, its work queue's dead-letter queue).`,
      ),
    ],
  };
}
