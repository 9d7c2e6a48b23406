import { inlineCode } from '../mrkdwn';
import { ephemeral, section } from './blocks';
import type { Reply } from './blocks';
import type { CanaryRecord } from '../model/canary';

export const RETIRE_ACTION = 'canary_retire';

/** `/canary retire <id>` answers with this; only the button (after its confirm) retires. */
export function retireConfirm(c: CanaryRecord): Reply {
  return ephemeral(`Retire canary ${c.id}?`, [
    section(
      `Retire canary ${inlineCode(c.id)} at ${inlineCode(c.location, 200)}? Its IAM user, key and policy are deleted; the record and its history stay.`,
    ),
    {
      type: 'actions',
      block_id: 'retire',
      elements: [
        {
          type: 'button',
          action_id: RETIRE_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: `Retire ${c.id}` },
          value: JSON.stringify({ canaryId: c.id, seq: 0 }),
          confirm: {
            title: { type: 'plain_text', text: 'Retire this canary?' },
            text: {
              type: 'mrkdwn',
              text: 'The key stops existing: anyone holding it can no longer use it, and the bot will no longer see it used.',
            },
            confirm: { type: 'plain_text', text: 'Retire' },
            deny: { type: 'plain_text', text: 'Keep it' },
            style: 'danger',
          },
        },
      ],
    },
  ]);
}
