import { ephemeral, section } from './blocks';
import type { Reply } from './blocks';

export const REDRIVE_ACTION = 'canary_redrive';

/** `/canary redrive` shows the count first; only the button (after its confirm) moves them. */
export function redriveConfirm(depth: number): Reply {
  const n = `${depth.toLocaleString('en-US')} message${depth === 1 ? '' : 's'}`;
  return ephemeral(`${n} in the alert dead-letter queue`, [
    section(
      `*${n}* wait in the alert dead-letter queue: alerts that failed five times, or detections EventBridge could not deliver. Fix the cause first (the alarm and the alert function's logs say it), then move them back: each CloudTrail event is still counted once.`,
    ),
    {
      type: 'actions',
      block_id: 'redrive',
      elements: [
        {
          type: 'button',
          action_id: REDRIVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: `Redrive ${n}` },
          value: String(depth),
          confirm: {
            title: { type: 'plain_text', text: 'Move them back?' },
            text: {
              type: 'mrkdwn',
              text: `The ${n} go back to the alert queue and are processed as they arrive. If the cause is not fixed they return to the dead-letter queue.`,
            },
            confirm: { type: 'plain_text', text: 'Redrive' },
            deny: { type: 'plain_text', text: 'Not yet' },
          },
        },
      ],
    },
  ]);
}
