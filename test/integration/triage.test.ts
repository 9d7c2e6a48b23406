import { ListAccessKeysCommand, ListUsersCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { checkMessage, checkView } from '../../local/block-kit';
import { blockAction, viewSubmission } from '../../local/slack-requests';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { ADMIN, OUTSIDER, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

const ADMIN2 = 'UADMIN002';

describe('triage from the alert: disable, false positive, re-arm, with an audit trail', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0', ADMIN_USER_IDS: `${ADMIN},${ADMIN2}` } });
  });
  afterAll(() => h.close());

  /** Mints through the slash command, fires one call with its key, returns what a test needs. */
  async function alertedCanary(location: string) {
    await h.command(`new ${location}`);
    await h.settle();
    const canary = (await h.store.allCanaries()).find((i) => i.location === location.replace(/ --.*$/, ''))!;
    const resource = canary.resource as { userName: string; userArn: string; accessKeyId: string };
    const identity = { accessKeyId: resource.accessKeyId, arn: resource.userArn, userName: resource.userName };
    await h.alert.handler(
      sqsEvent([
        snsNotificationBody(
          eventBridgeEnvelope(canaryCall(identity, { sourceIPAddress: '203.0.113.50', userAgent: 'company-secret-scanner/1.0' })),
        ),
      ]),
    );
    const inc = await h.store.getIncident(String(canary.id), 1);
    return { id: String(canary.id), identity, ts: inc!.parent!.ts, value: JSON.stringify({ canaryId: canary.id, seq: 1 }) };
  }
  const press = async (c: { ts: string; value: string }, actionId: string, userId = ADMIN) => {
    const responseUrl = h.standin.newResponseUrl();
    const { res } = await h.interact(
      blockAction({ userId, actionId, value: c.value, responseUrl, channelId: 'C0ALERTS1', messageTs: c.ts }),
    );
    expect(res.statusCode).toBe(200);
    return responseUrl;
  };
  const repliesTo = (url: string) => h.standin.calls.filter((c) => c.method === 'response_url' && url.endsWith(c.responseUrlId!));
  const parentOf = (c: { ts: string }) => h.standin.messages.get(`C0ALERTS1/${c.ts}`)!;
  const buttonsOf = (c: { ts: string }) =>
    (
      (parentOf(c).blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>).find((b) => b.type === 'actions')
        ?.elements ?? []
    ).map((e) => e.action_id);
  const keyStatus = async (userName: string) =>
    (await h.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata?.map((k) => k.Status);
  const thread = (c: { ts: string }) =>
    h.standin.calls.filter((x) => x.method === 'chat.postMessage' && x.args.thread_ts === c.ts).map((x) => String(x.args.text));

  it('disables the key on confirm: Inactive in IAM, recorded, parent updated in place, thread told', async () => {
    const c = await alertedCanary('laptop-1');
    expect(buttonsOf(c)).toEqual([ALERT_ACTIONS.disableKey, ALERT_ACTIONS.falsePositive]);
    await press(c, ALERT_ACTIONS.disableKey);
    await h.settle();
    // the press itself showed "Disabling..." (and hid the button) before the job ran
    const updates = h.standin.calls
      .filter((x) => x.method === 'chat.update' && x.args.ts === c.ts)
      .map((x) => JSON.stringify(x.args.blocks));
    expect(updates[0]).toContain('Disabling the key... (requested by <@UADMIN001>)');
    expect(updates[0]).not.toContain(ALERT_ACTIONS.disableKey);
    expect(await keyStatus(c.identity.userName)).toEqual(['Inactive']);
    expect(await h.store.getCanary(c.id)).toMatchObject({ status: 'disabled', disabledBy: ADMIN });
    expect(JSON.stringify(parentOf(c).blocks)).toMatch(/:lock: \*Disabled\* by <@UADMIN001> at \d\d:\d\d UTC/);
    expect(buttonsOf(c)).toEqual([ALERT_ACTIONS.falsePositive, ALERT_ACTIONS.rearm]);
    expect(checkMessage(parentOf(c))).toEqual([]);
    expect(thread(c).some((t) => /Key `AKIA\w+` disabled by <@UADMIN001> at \d\d:\d\d UTC/.test(t))).toBe(true);
  });

  it('makes one effective action of two admins pressing at once, and tells the second what happened', async () => {
    const c = await alertedCanary('laptop-2');
    const [u1, u2] = await Promise.all([press(c, ALERT_ACTIONS.disableKey, ADMIN), press(c, ALERT_ACTIONS.disableKey, ADMIN2)]);
    await h.settle();
    const items = (await h.store.canaryHistory(c.id))!.audit;
    expect(items.filter((i) => i.action === 'disabled')).toHaveLength(1);
    expect(items.filter((i) => i.action === 'disable-requested')).toHaveLength(1);
    const loser = [...repliesTo(u1!), ...repliesTo(u2!)];
    expect(loser).toHaveLength(1);
    expect(String(loser[0]!.args.text)).toMatch(/already (under way|disabled)/);
    expect(loser[0]!.args.response_type).toBe('ephemeral');
    // a Slack retry of the same press, after the fact
    const late = await press(c, ALERT_ACTIONS.disableKey);
    await h.settle();
    expect(String(repliesTo(late)[0]!.args.text)).toMatch(/The key is already disabled \(by <@UADMIN00[12]> at/);
  });

  it('records a key already disabled by hand in IAM honestly, without an error', async () => {
    const c = await alertedCanary('laptop-3');
    await h.iam.send(
      new UpdateAccessKeyCommand({ UserName: c.identity.userName, AccessKeyId: c.identity.accessKeyId, Status: 'Inactive' }),
    );
    await press(c, ALERT_ACTIONS.disableKey);
    await h.settle();
    expect(await h.store.getCanary(c.id)).toMatchObject({ status: 'disabled' });
    expect(thread(c).some((t) => t.includes('was already inactive in IAM (disabled by hand)'))).toBe(true);
  });

  it('refuses a non-admin privately, logs it with their id, and changes nothing', async () => {
    const c = await alertedCanary('laptop-4');
    const url = await press(c, ALERT_ACTIONS.disableKey, OUTSIDER);
    await h.settle();
    expect(String(repliesTo(url)[0]!.args.text)).toMatch(/^Sorry, only the security team's canary admins can disable canary keys/);
    expect(await keyStatus(c.identity.userName)).toEqual(['Active']);
    expect(await h.store.getCanary(c.id)).toMatchObject({ status: 'active' });
    expect(h.logs()).toMatch(new RegExp(`"message":"non-admin refused".*"userId":"${OUTSIDER}".*"action":"disable"`));
    const fp = await press(c, ALERT_ACTIONS.falsePositive, OUTSIDER);
    expect(String(repliesTo(fp)[0]!.args.text)).toMatch(/^Sorry/);
  });

  it('keeps refusals from crowding out actions: 60 presses by an outsider list at most 3 an hour, apart from the actions', async () => {
    const c = await alertedCanary('laptop-crowd');
    await press(c, ALERT_ACTIONS.disableKey);
    await h.settle();
    for (let i = 0; i < 60; i++) await press(c, i % 2 ? ALERT_ACTIONS.disableKey : ALERT_ACTIONS.falsePositive, OUTSIDER);
    const refusals = (await h.store.canaryHistory(c.id))!.audit.filter((i) => i.action === 'refused');
    expect(refusals).toHaveLength(3);
    const { body } = await h.command(`show ${c.id}`);
    const text = JSON.stringify(body?.blocks);
    expect(text).toMatch(/\*disabled\* by <@UADMIN001>/);
    expect(text).toContain('Refused presses by people who are not canary admins: 3 listed');
    expect(text).not.toMatch(/\*refused\*/);
  });

  it('marks a false positive with a reason and suppresses that source: later calls from it are counted, not posted', async () => {
    const c = await alertedCanary('ci-secrets-test-repo');
    h.standin.calls.length = 0;
    await press(c, ALERT_ACTIONS.falsePositive);
    const open = h.standin.calls.find((x) => x.method === 'views.open')!;
    const view = open.args.view as Record<string, unknown>;
    expect(checkView(view)).toEqual([]);
    const submit = (values: Record<string, Record<string, unknown>>, user = ADMIN) =>
      h.interact(
        viewSubmission({ userId: user, callbackId: String(view.callback_id), privateMetadata: String(view.private_metadata), values }),
      );
    const values = {
      reason: { value: { type: 'plain_text_input', value: 'our own scanner <!channel> tested the key' } },
      suppress: { value: { type: 'checkboxes', selected_options: [{ value: 'ip' }] } },
    };
    expect((await submit(values)).body).toBeUndefined();
    expect((await submit(values, ADMIN2)).body).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringMatching(/Already marked false positive/) },
    });
    await h.settle();
    expect(JSON.stringify(parentOf(c).blocks)).toContain(':white_check_mark: *Marked false positive* by <@UADMIN001>');
    expect(buttonsOf(c)).toEqual([ALERT_ACTIONS.disableKey]);
    expect(
      thread(c).some((t) => t.includes('our own scanner &lt;!channel&gt; tested the key') && t.includes('no longer alert for this canary')),
    ).toBe(true);

    const before = h.standin.calls.length;
    const again = (ip: string) => snsNotificationBody(eventBridgeEnvelope(canaryCall(c.identity, { sourceIPAddress: ip })));
    await h.alert.handler(sqsEvent([again('203.0.113.50'), again('203.0.113.50')]));
    expect(h.standin.calls.length).toBe(before);
    const canary = await h.store.getCanary(c.id);
    expect(Object.values(canary!.suppressions!)).toMatchObject([{ sourceIp: '203.0.113.50', hits: 2, by: ADMIN }]);
    // A source the verdict never saw is a new alert, not a line under a message marked harmless.
    const parents = () =>
      h.standin.calls.filter((x) => x.method === 'chat.postMessage' && x.args.channel === 'C0ALERTS1' && !x.args.thread_ts);
    const parentsBefore = parents().length;
    await h.alert.handler(sqsEvent([again('198.51.100.7'), again('198.51.100.7')]));
    expect(parents()).toHaveLength(parentsBefore + 1);
    expect(JSON.stringify(parents().at(-1)!.args.blocks)).toContain('198.51.100.7');
    expect(JSON.stringify(parents().at(-1)!.args.blocks)).toContain('High severity');
    expect(thread(c).some((t) => t.includes('more calls'))).toBe(false);
    expect((await h.store.getIncident(c.id, 2))?.calls).toBe(2);
  });

  it('re-arms a disabled canary: a new key for the same placement, privately to the presser; the old key stays inactive', async () => {
    const c = await alertedCanary('laptop-5 ~/.aws/credentials');
    await press(c, ALERT_ACTIONS.disableKey);
    await h.settle();
    const url = await press(c, ALERT_ACTIONS.rearm);
    await h.settle();
    const old = await h.store.getCanary(c.id);
    expect(old?.replacedBy).toMatch(/^c\w{6}$/);
    const fresh = await h.store.getCanary(old!.replacedBy!);
    expect(fresh).toMatchObject({ status: 'active', location: 'laptop-5 ~/.aws/credentials', owner: ADMIN, note: `re-armed from ${c.id}` });
    const secretReply = repliesTo(url).find((r) => JSON.stringify(r.args).includes('aws_secret_access_key'));
    expect(secretReply?.args.response_type).toBe('ephemeral');
    expect(await keyStatus(c.identity.userName)).toEqual(['Inactive']);
    expect(JSON.stringify(parentOf(c).blocks)).toContain(`Re-armed as \`${old!.replacedBy}\``);
    expect(buttonsOf(c)).not.toContain(ALERT_ACTIONS.rearm);
    const users = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect(users.map((u) => u.UserName)).toContain(fresh!.resource.userName);
    // a second press does nothing but say so
    const twice = await press(c, ALERT_ACTIONS.rearm);
    await h.settle();
    expect(String(repliesTo(twice)[0]!.args.text)).toMatch(/Already re-armed as/);
  });

  it('contains automatically on the first alert when the canary asks for it, and says so on the alert', async () => {
    const c = await alertedCanary('kiosk-9 --auto-disable on');
    await h.settle();
    const canary = (await h.store.allCanaries()).find((i) => i.location === 'kiosk-9')!;
    expect(canary).toMatchObject({ autoDisable: true, status: 'disabled', disabledBy: 'auto' });
    const user = (canary.resource as { userName: string }).userName;
    expect(await keyStatus(user)).toEqual(['Inactive']);
    const parent = JSON.stringify(h.standin.messages.get(`C0ALERTS1/${c.ts}`)!.blocks);
    expect(parent).toContain(':lock: *Disabled* by automatic containment');
    expect(parent).toContain('automatic containment on: the key is disabled on the first alert');
    // the others, minted without the flag, follow AUTO_DISABLE (off by default) and say so
    const other = (await h.store.allCanaries()).find((i) => i.location === 'laptop-4')!;
    const otherInc = await h.store.getIncident(String(other.id), 1);
    expect(JSON.stringify(h.standin.messages.get(`C0ALERTS1/${otherInc!.parent!.ts}`)!.blocks)).toContain('automatic containment off');
  });

  it('/canary show lists the canary, its incidents, suppressions and actions in order', async () => {
    const c = (await h.store.allCanaries()).find((i) => i.location === 'ci-secrets-test-repo')!;
    const { body } = await h.command(`show ${String(c.id)}`);
    expect(checkMessage(body!)).toEqual([]);
    const text = JSON.stringify(body!.blocks);
    const order = ['*minted* by <@UADMIN001>', '*false-positive* by <@UADMIN001>', '*suppressed* by <@UADMIN001>'].map((s) =>
      text.indexOf(s),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toMatch(/\*Suppressions\*.*`s[0-9a-f]{4}` IP `203\.0\.113\.50` · 2 calls silenced/);
    expect(text).toMatch(new RegExp(`\\*${String(c.id)}-1\\* opened [^•]* · 1 call · false positive`));
    const sid = /`(s[0-9a-f]{4})`/.exec(text)![1]!;
    const un = await h.command(`unsuppress ${String(c.id)} ${sid}`);
    expect(String(un.body?.text)).toContain('removed');
    expect((await h.store.getCanary(String(c.id)))!.suppressions).toEqual({});
  });
});
