import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { LOCATION_MAX, parseCommand } from '../command';
import type { ListFilter } from '../command';
import { findKind } from '../kinds';
import { log } from '../log';
import { inlineCode } from '../mrkdwn';
import type { Runtime } from '../deps';
import { ephemeral } from '../views/blocks';
import { helpReply } from '../views/help';
import { LIST_PAGE, listReply } from '../views/list';
import { InvalidCursorError } from '../store/listing';
import type { CanaryFilter } from '../store/listing';
import { HOME_ACCOUNT, LISTED_STATUSES } from '../store/schema';

export type AdminCheck = (userId: string) => Promise<boolean>;

export const refusal = (what: string) =>
  ephemeral(`Sorry, only the security team's canary admins can ${what}. If you need a canary, ask them in the security channel.`);

/**
 * `/canary ...`. Everything here runs before the HTTP response (Bolt on Lambda acks only when
 * the listener returns), so it does only quick work: parse, check, one DynamoDB query or one
 * Slack call, and hands minting to the jobs handler.
 */
/**
 * The command's listener. What only some subcommands need (minting, the lifecycle, triage, the
 * dead-letter queue and their views) is imported when one runs, not at the top: a cold start that
 * answers `/canary help` or `/canary list` does not evaluate it, nor the SDK clients it reaches.
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
        const { showReply } = await import('../views/show');
        return ack(showReply(history.canary, history.incidents, history.audit));
      }
      case 'unsuppress': {
        const { unsuppress } = await import('../triage/suppress');
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
        const filter = await storeFilter(rt, cmd.filter);
        if ('why' in filter) return ack(ephemeral(filter.why));
        return ack(await listPage(rt, filter, cmd.cursor));
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
        const { retireConfirm } = await import('../views/retire');
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
        const [{ dlqDepth }, { redriveConfirm }] = await Promise.all([import('../redrive'), import('../views/redrive')]);
        const depth = await dlqDepth(rt.config);
        return ack(depth ? redriveConfirm(depth) : ephemeral('The alert dead-letter queue is empty: nothing to redrive.'));
      }
      case 'rotate': {
        const { requestLifecycle } = await import('../lifecycle/request');
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
        const { mintModal } = await import('../views/mint-modal');
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
          const { queueMint } = await import('../mint');
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

const BAD_CURSOR =
  'That page marker is not one this bot gave out (it may have been cut when copied). Run `/canary list` again with the same filters and press *More*.';

/** One page of the list: the store's Queries (never a Scan), whatever the table holds. */
async function listPage(rt: Runtime, filter: CanaryFilter, cursor?: string) {
  try {
    const page = await rt.store.canaryPage(filter, { limit: LIST_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    return listReply(page, filter, cursor !== undefined);
  } catch (err) {
    if (err instanceof InvalidCursorError) {
      log.warn('list cursor refused', { length: cursor?.length ?? 0 });
      return ephemeral(BAD_CURSOR);
    }
    throw err;
  }
}

/**
 * The typed filter as the store takes it: `--account` resolved to an id (or the home account)
 * from the organization's account list as the jobs function last stored it, so that a listener
 * never waits on Organizations. An id needs no list: a closed account's canaries still show.
 */
async function storeFilter(rt: Runtime, typed: ListFilter): Promise<CanaryFilter | { why: string }> {
  const { account: given, ...filter } = typed;
  if (given === undefined) return filter;
  const { organizationId, homeAccountId } = rt.config;
  if (!organizationId) return { why: "`--account` needs organization mode: every canary here lives in the bot's own account." };
  if (given.toLowerCase() === HOME_ACCOUNT || given === homeAccountId) return { ...filter, account: HOME_ACCOUNT };
  if (/^\d{12}$/.test(given)) return { ...filter, account: given };
  const stored = await rt.store.getOrgAccounts();
  const found = (stored?.accounts ?? []).filter((a) => a.name.toLowerCase() === given.toLowerCase());
  // Names are set from inside each account (account:PutAccountName): shown as code, never as mrkdwn.
  if (found.length > 1)
    return { why: `${found.length} accounts are named ${inlineCode(given, 60)}: give the id (${found.map((a) => a.id).join(', ')}).` };
  if (!found[0])
    return {
      why: `No account is named ${inlineCode(given, 60)} in the organization's list as the bot last read it: give its 12-digit id.`,
    };
  return { ...filter, account: found[0].id === homeAccountId ? HOME_ACCOUNT : found[0].id };
}

/** What the More button carries (views/list.ts moreValue); it comes back from Slack, so it is checked like typed text. */
const moreSchema = () =>
  z.object({
    f: z.object({
      status: z.optional(z.enum(LISTED_STATUSES)),
      kind: z.optional(z.string().check(z.refine((k) => findKind(k)?.name === k))),
      account: z.optional(z.string().check(z.regex(/^(\d{12}|home)$/))),
      owner: z.optional(z.string().check(z.regex(/^[UW][A-Z0-9]{1,20}$/))),
      text: z.optional(z.string().check(z.minLength(1), z.maxLength(LOCATION_MAX))),
    }),
    c: z.string().check(z.maxLength(200)),
  });
/** Built on first use (the first More pressed), not on a cold start that never sees one. */
let more: ReturnType<typeof moreSchema> | undefined;

/** The list's More button: the next page, in place of the one pressed. */
export function listMore(rt: Runtime, isAdmin: AdminCheck): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond }) => {
    await ack();
    if (!(await isAdmin(body.user.id))) {
      log.warn('non-admin refused', { userId: body.user.id, action: 'list' });
      return void (await respond({ ...refusal('see or change canaries'), replace_original: false }));
    }
    let value: unknown;
    try {
      value = JSON.parse(action.value ?? '');
    } catch {
      value = undefined;
    }
    const parsed = (more ??= moreSchema()).safeParse(value);
    if (!parsed.success) return void (await respond({ ...ephemeral(BAD_CURSOR), replace_original: false }));
    const reply = await listPage(rt, parsed.data.f, parsed.data.c);
    await respond({ ...reply, replace_original: reply.text !== BAD_CURSOR });
  };
}
