import type { types } from '@slack/bolt';
import { cut } from '../text';

export type Block = types.KnownBlock;

/**
 * Block Kit's own limits, so a long value is cut by us rather than rejected by Slack. Slack
 * counts characters; cut() counts UTF-16 code units, which are never fewer.
 */
export const LIMITS = { header: 150, sectionText: 3000, field: 2000, blocks: 50, plainText: 75 } as const;

export const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: cut(text, LIMITS.header), emoji: false },
});

export const section = (mrkdwn: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: cut(mrkdwn, LIMITS.sectionText) } });

export const fields = (pairs: Array<[string, string]>): Block => ({
  type: 'section',
  fields: pairs.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${v}`, LIMITS.field) })),
});

export const context = (mrkdwn: string): Block => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: cut(mrkdwn, LIMITS.sectionText) }],
});

export const divider = (): Block => ({ type: 'divider' });

/** An ephemeral reply to the person who typed the command. */
export interface Reply {
  response_type: 'ephemeral';
  text: string;
  blocks?: Block[];
  replace_original?: boolean;
}

export const ephemeral = (text: string, blocks?: Block[]): Reply => ({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });

/** A modal whose submission comes back to `callbackId` with `meta` (JSON) as its private metadata. */
export function modal(callbackId: string, meta: object, title: string, submit: string, blocks: types.ModalView['blocks']): types.ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}
