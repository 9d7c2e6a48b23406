import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { parseCommand } from '../command';
import { findKind } from '../kinds';
import { log } from '../log';
import { queueMint } from '../mint';
import { inlineCode } from '../mrkdwn';
import type { Runtime } from '../deps';
import { requestLifecycle } from '../lifecycle/request';
import { retireConfirm } from '../views/retire';
import { dlqDepth } from '../redrive';
import { redriveConfirm } from '../views/redrive';
import { unsuppress } from '../triage/suppress';
import { showReply } from '../views/show';
import { ephemeral } from '../views/blocks';
import { helpReply } from '../views/help';
import { listReply } from '../views/list';
import { mintModal } from '../views/mint-modal';

export type AdminCheck = (userId: string) => Promise<boolean>;

export const refusal = (what: string) =>
  ephemeral(`Sorry, only the security team's canary admins can ${what}. If you need a canary, ask them in the security channel.`);

/**
 * `/canary ...`. Everything here runs before the HTTP response (Bolt on Lambda acks only when
 * the listener returns), so it does only quick work: parse, check, one DynamoDB query or one
 * Slack call, and hands minting to the jobs handler.
 */
export function canaryCommand(rt: Runtime, isAdmin: AdminCheck): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ command, ack, client }) => {
    const cmd = parseCommand(command.text ?? '');
    const user = command.user_id;
    if (cmd.type === 'help') return ack(helpReply());
    if (cmd.type === 'invalid') return ack(ephemeral(`${cmd.message} Try \`/canary help\`.`));

    // Listing reveals where the decoys are, which is exactly what an insider would want to know.
    if (!(await isAdmin(user))) {
      log.warn('non-admin refused', { userId: user, action: cmd.type });
      return ack(refusal(cmd.type === 'new' || cmd.type === 'new-modal' ? 'mint canaries' : 'see or change canaries'));
    }

    switch (cmd.type) {
      case 'show': {
        const history = await rt.store.canaryHistory(cmd.id);
        if (!history) return ack(ephemeral(`There is no canary ${inlineCode(cmd.id)}. \`/canary list\` shows them all.`));
        return ack(showReply(history.canary, history.incidents, history.audit));
      }
      case 'unsuppress': {
        const removed = await unsuppress(rt.store, cmd.id, cmd.suppression, user);
        return ack(
          ephemeral(
            removed
              ? `Suppression ${inlineCode(cmd.suppression)} removed: calls from that source alert again.`
              : `Canary ${inlineCode(cmd.id)} has no suppression ${inlineCode(cmd.suppression)}.`,
          ),
        );
      }
      case 'list': {
        const f = cmd.filter;
        const text = f.text?.toLowerCase();
        const all = (await rt.store.allCanaries()).filter(
          (c) =>
            (!f.status || c.status === f.status) &&
            (!f.owner || c.owner === f.owner) &&
            (!f.kind || c.kind === f.kind) &&
            (!text || [c.id, c.location, c.note ?? ''].some((v) => v.toLowerCase().includes(text))),
        );
        return ack(listReply(all, cmd.page, Object.keys(f).length > 0));
      }
      case 'place': {
        const canary = await rt.store.getCanary(cmd.id);
        if (!canary) return ack(ephemeral(`There is no canary ${inlineCode(cmd.id)}.`));
        await rt.store.moveLocation(cmd.id, canary.location, cmd.location);
        await rt.store.recordAction(cmd.id, { action: 'placed', by: user, detail: `${canary.location} -> ${cmd.location}` });
        return ack(
          ephemeral(`Canary ${inlineCode(cmd.id)} now lives at ${inlineCode(cmd.location)} (was ${inlineCode(canary.location)}).`),
        );
      }
      case 'retire': {
        const canary = await rt.store.getCanary(cmd.id);
        if (!canary) return ack(ephemeral(`There is no canary ${inlineCode(cmd.id)}.`));
        if (canary.status === 'retired') return ack(ephemeral(`Canary ${inlineCode(cmd.id)} is already retired.`));
        return ack(retireConfirm(canary));
      }
      case 'test': {
        const canary = await rt.store.getCanary(cmd.id);
        if (!canary || canary.status !== 'active') return ack(ephemeral(`There is no active canary ${inlineCode(cmd.id)}.`));
        if (!canary.selfTestSecretArn) {
          return ack(
            ephemeral(
              `Self-test is off for ${inlineCode(cmd.id)}: its key is kept nowhere, so the bot cannot use it. Test it by hand where it is placed, e.g. \`aws sts get-caller-identity\` with that key; the alert arrives within about a minute. (Mint with \`--self-test\` to let the bot do this.)`,
            ),
          );
        }
        await rt.dispatch({ type: 'self-test', jobId: randomUUID(), canaryId: cmd.id, by: user, responseUrl: command.response_url });
        return ack(ephemeral(`Testing ${inlineCode(cmd.id)}: the bot will use its key once.`));
      }
      case 'audit': {
        await rt.dispatch({ type: 'audit', jobId: randomUUID(), responseUrl: command.response_url });
        return ack(ephemeral('Auditing every canary and the detection pipeline... the report will appear here, visible only to you.'));
      }
      case 'redrive': {
        if (!rt.config.alertDlqUrl) return ack(ephemeral('Redrive needs `ALERT_DLQ_URL` (the CDK app sets it); this deployment has none.'));
        const depth = await dlqDepth(rt.config);
        return ack(depth ? redriveConfirm(depth) : ephemeral('The alert dead-letter queue is empty: nothing to redrive.'));
      }
      case 'rotate': {
        const claimed = await requestLifecycle(rt, cmd.id, 'rotate', user);
        if (!claimed.ok) return ack(ephemeral(claimed.why));
        await rt.dispatch({ type: 'rotate', jobId: randomUUID(), canaryId: cmd.id, seq: 0, by: user, responseUrl: command.response_url });
        return ack(
          ephemeral(
            `Rotating ${inlineCode(cmd.id)}: the new key will appear here in a few seconds, visible only to you. The old key is deleted once you have it.`,
          ),
        );
      }
      case 'new-modal': {
        try {
          await client.views.open({
            trigger_id: command.trigger_id,
            view: mintModal(
              user,
              { responseUrl: command.response_url, channelId: command.channel_id },
              rt.config.organizationId
                ? { accounts: (await rt.store.getOrgAccounts().catch(() => undefined))?.accounts ?? [], home: rt.config.homeAccountId }
                : undefined,
            ),
          });
          return ack();
        } catch (err) {
          log.error('views.open failed', { error: err instanceof Error ? err.message : String(err) });
          return ack(ephemeral('Could not open the form (Slack refused it). Try `/canary new &lt;location&gt;` instead.'));
        }
      }
      case 'new': {
        const kind = findKind(cmd.kind)!;
        const { type: _type, kind: _kind, owner, ...options } = cmd;
        try {
          await queueMint(rt, { ...options, kind: kind.name, owner: owner ?? user, requestedBy: user }, command.response_url);
        } catch (err) {
          log.error('could not queue mint', { error: err instanceof Error ? err.message : String(err) });
          return ack(ephemeral('Could not start minting: the job queue is unavailable. Nothing was created; try again in a minute.'));
        }
        return ack(
          ephemeral(
            `Minting a canary (${kind.label}) for ${inlineCode(cmd.location, 200)}... The details will appear here in a few seconds, visible only to you.`,
          ),
        );
      }
    }
  };
}
