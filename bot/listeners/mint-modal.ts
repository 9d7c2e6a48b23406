import type { Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import * as z from 'zod/mini';
import { log } from '../log';
import type { Runtime } from '../deps';
import { readMintModal } from '../views/mint-modal';
import type { AdminCheck } from './canary-command';

/** Built on the first submission, not on a cold start. */
const metadataSchema = () => z.object({ responseUrl: z.url(), channelId: z.string() });
let metadata: ReturnType<typeof metadataSchema> | undefined;

/** The "New canary" form was submitted: validate field by field, then queue like the command. */
export function mintModalSubmit(rt: Runtime, isAdmin: AdminCheck): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>> {
  return async ({ ack, body, view }) => {
    const user = body.user.id;
    if (!(await isAdmin(user))) {
      log.warn('non-admin refused', { userId: user, action: 'new-modal-submit' });
      return ack({ response_action: 'errors', errors: { location: 'Only the canary admins can mint canaries.' } });
    }
    const read = readMintModal(view.state.values as Parameters<typeof readMintModal>[0]);
    if ('errors' in read) return ack({ response_action: 'errors', errors: read.errors });
    const meta = (metadata ??= metadataSchema()).safeParse(
      (() => {
        try {
          return JSON.parse(view.private_metadata);
        } catch {
          return undefined;
        }
      })(),
    );
    if (!meta.success) return ack({ response_action: 'errors', errors: { location: 'This form has expired; run /canary new again.' } });
    try {
      const { queueMint } = await import('../mint');
      await queueMint(rt, { ...read.form, requestedBy: user }, meta.data.responseUrl);
    } catch (err) {
      log.error('could not queue mint', { error: err instanceof Error ? err.message : String(err) });
      return ack({
        response_action: 'errors',
        errors: { location: 'Could not start minting: the job queue is unavailable. Try again in a minute.' },
      });
    }
    return ack();
  };
}
