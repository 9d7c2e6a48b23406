import { randomUUID } from 'node:crypto';
import type { App, BlockButtonAction, webApi } from '@slack/bolt';
import * as z from 'zod/mini';
import { CANARY_REF } from '../ids';
import { log } from '../log';
import type { Job } from '../model/job';
import type { Runtime } from '../deps';
import { FP_MODAL_ID, fpModal, markFalsePositive, readFpModal } from '../triage/false-positive';
import { RETIRE_ACTION } from '../views/retire';
import { REDRIVE_ACTION } from '../views/redrive';
import { ALERT_ACTIONS } from '../views/alert';
import type { AdminCheck } from './canary-command';
import { refusal } from './canary-command';

/** Built on the first button pressed, not on a cold start. */
const refSchema = () => z.object({ canaryId: z.string().check(z.regex(CANARY_REF)), seq: z.number() });
type Ref = z.infer<ReturnType<typeof refSchema>>;
let ref: ReturnType<typeof refSchema> | undefined;

function parseRef(text: string | undefined): Ref | undefined {
  try {
    const out = (ref ??= refSchema()).safeParse(JSON.parse(text ?? ''));
    return out.success ? out.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The alert's buttons and the false-positive form. Each listener decides with one conditional
 * write (so double clicks, two admins and Slack's retries make one action), acks, and hands IAM
 * and Slack work to the jobs handler. Refusals and "already done" answers go privately to the
 * presser through the button's response_url. What claims a canary for a job (disable, retire,
 * re-arm) and redraws the parent is imported when a button is pressed: a cold start that answers
 * a slash command does not evaluate it.
 */
export function registerTriage(app: App, rt: Runtime, isAdmin: AdminCheck): void {
  const privately = (text: string) => ({ response_type: 'ephemeral' as const, replace_original: false, text });

  async function gate(user: string, action: string, canaryId: string, respond: (m: object) => Promise<unknown>): Promise<boolean> {
    if (await isAdmin(user)) return true;
    log.warn('non-admin refused', { userId: user, action, canaryId });
    await rt.store
      .recordRefusal(canaryId, user, action)
      .catch((err: unknown) => log.warn('could not record the refusal', { canaryId, error: String(err) }));
    await respond(
      refusal({ disable: 'disable canary keys', rearm: 're-arm canaries', retire: 'retire canaries' }[action] ?? 'triage alerts'),
    );
    return false;
  }

  /** Shows the in-flight state on the parent before the job starts, so it cannot land after the job's own update. */
  const showPending = (client: webApi.WebClient, canaryId: string, seq: number) =>
    import('../alerts/thread')
      .then(({ refreshParent }) => refreshParent({ config: rt.config, store: rt.store, slack: client }, canaryId, seq))
      .catch((err: unknown) => log.warn('could not show the pending state', { canaryId, error: String(err) }));

  /**
   * Disable and Re-arm: claim the canary (the `pending` marker), show it on the parent, hand the
   * slow part to the jobs handler; if the job cannot even be queued, release the claim.
   */
  function pendingButton(
    actionId: string,
    name: 'disable' | 'rearm' | 'retire',
    claimFor: (canaryId: string, seq: number, user: string) => Promise<{ ok: true } | { ok: false; why: string }>,
    job: (target: Ref, body: BlockButtonAction) => Job,
    started?: string,
  ): void {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const target = parseRef(action.value);
      if (!target || !(await gate(body.user.id, name, target.canaryId, respond))) return;
      const claimed = await claimFor(target.canaryId, target.seq, body.user.id);
      if (!claimed.ok) return void (await respond(privately(claimed.why)));
      if (target.seq) await showPending(client, target.canaryId, target.seq); // seq 0: not from an alert
      if (started) await respond(privately(started));
      try {
        await rt.dispatch(job(target, body));
      } catch (err) {
        log.error('could not queue the job', { action: name, canaryId: target.canaryId, error: String(err) });
        await rt.store.releasePending(target.canaryId);
        if (target.seq) await showPending(client, target.canaryId, target.seq);
        await respond(privately('Could not start: the job queue is unavailable. Nothing changed; try again in a minute.'));
      }
    });
  }

  pendingButton(
    ALERT_ACTIONS.disableKey,
    'disable',
    async (id, seq, user) => (await import('../triage/disable')).requestDisable(rt, id, seq, user),
    (t, body) => ({ type: 'disable', jobId: randomUUID(), ...t, by: body.user.id }),
  );
  pendingButton(
    RETIRE_ACTION,
    'retire',
    async (id, _seq, user) => (await import('../lifecycle/request')).requestLifecycle(rt, id, 'retire', user),
    (t, body) => ({ type: 'retire', jobId: randomUUID(), ...t, by: body.user.id, responseUrl: body.response_url }),
  );
  pendingButton(
    ALERT_ACTIONS.rearm,
    'rearm',
    async (id, _seq, user) => (await import('../lifecycle/rearm')).requestRearm(rt, id, user),
    (t, body) => ({ type: 'rearm', jobId: randomUUID(), ...t, by: body.user.id, responseUrl: body.response_url }),
    'Re-arming: the new key will appear here in a few seconds, visible only to you.',
  );

  app.action<BlockButtonAction>(REDRIVE_ACTION, async ({ ack, body, respond }) => {
    await ack();
    if (!(await isAdmin(body.user.id))) {
      log.warn('non-admin refused', { userId: body.user.id, action: 'redrive' });
      return void (await respond(refusal('redrive alerts')));
    }
    await rt.dispatch({ type: 'redrive', jobId: randomUUID(), by: body.user.id, responseUrl: body.response_url });
    await respond(privately('Moving them back to the alert queue... the count will appear here.'));
  });

  app.action<BlockButtonAction>(ALERT_ACTIONS.falsePositive, async ({ ack, body, action, respond, client }) => {
    await ack();
    const target = parseRef(action.value);
    if (!target || !(await gate(body.user.id, 'false-positive', target.canaryId, respond))) return;
    const inc = await rt.store.getIncident(target.canaryId, target.seq);
    if (!inc) return void (await respond(privately('That incident no longer exists.')));
    if (inc.triage) return void (await respond(privately('This incident is already marked false positive.')));
    await client.views.open({ trigger_id: body.trigger_id, view: fpModal(inc, target) });
  });

  app.view(FP_MODAL_ID, async ({ ack, body, view }) => {
    const user = body.user.id;
    const target = parseRef(view.private_metadata);
    if (!target) return ack({ response_action: 'errors', errors: { reason: 'This form has expired; press the button again.' } });
    if (!(await isAdmin(user))) {
      log.warn('non-admin refused', { userId: user, action: 'false-positive-submit', canaryId: target.canaryId });
      return ack({ response_action: 'errors', errors: { reason: 'Only the canary admins can triage alerts.' } });
    }
    const form = readFpModal(view.state.values as Parameters<typeof readFpModal>[0]);
    if ('errors' in form) return ack({ response_action: 'errors', errors: form.errors });
    const inc = await rt.store.getIncident(target.canaryId, target.seq);
    if (!inc) return ack({ response_action: 'errors', errors: { reason: 'That incident no longer exists.' } });
    const marked = await markFalsePositive(rt.store, inc, user, form.reason, form.suppress);
    if (!marked.ok) return ack({ response_action: 'errors', errors: { reason: marked.why } });
    await ack();
    await rt.dispatch({ type: 'announce', jobId: randomUUID(), ...target, line: marked.line });
  });
}
