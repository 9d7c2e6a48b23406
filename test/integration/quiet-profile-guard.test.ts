import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  AttachUserPolicyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENY_ALL_POLICY_NAME, awsKey } from '../../bot/kinds/aws-key';
import type { CanaryRecord } from '../../bot/model/canary';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * The quiet profile: a canary with no policy and no boundary, refused like any unprivileged user,
 * kept powerless by the guard. A person grants it power in IAM (here, in the emulator); IAM's
 * CloudTrail event reaches the alert function as the guard rule delivers it; the guard takes the
 * grants away, says so in the channel, and the audit sees the same thing the guard fixed.
 */
describe('the quiet profile and its guard', () => {
  let h: Harness;
  let canary: CanaryRecord;
  const ADMIN_ARN = 'arn:aws:iam::123456789012:user/ops/alice';
  const guardMessages = () =>
    h.standin.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('*Guard: someone changed canary'));

  /** What CloudTrail records for an IAM call a person made on the canary's user. */
  const iamChange = (eventName: string, requestParameters: Record<string, unknown>) =>
    canaryCall(
      { accessKeyId: 'AKIAADMINEXAMPLE0001', arn: ADMIN_ARN, userName: 'alice' },
      { eventID: randomUUID(), eventSource: 'iam.amazonaws.com', eventName, requestParameters, sourceIPAddress: '198.51.100.9' },
    );
  const deliver = (...records: Record<string, unknown>[]) =>
    h.alert.handler(sqsEvent(records.map((r) => snsNotificationBody(eventBridgeEnvelope(r)))));

  beforeAll(async () => {
    h = await startHarness();
    await h.command('new kiosk-quiet --profile quiet');
    await h.settle();
    canary = (await h.store.allCanaries()).find((c) => c.location === 'kiosk-quiet')!;
  }, 60_000);
  afterAll(() => h?.close());

  it('mints a user with no policy and no boundary, and says so in show', async () => {
    expect(canary.resource.profile).toBe('quiet');
    const UserName = canary.resource.userName!;
    expect((await h.iam.send(new GetUserCommand({ UserName }))).User?.PermissionsBoundary).toBeUndefined();
    expect((await h.iam.send(new ListUserPoliciesCommand({ UserName }))).PolicyNames).toEqual([]);
    expect(await awsKey.audit(h.audit.runtime, canary)).toEqual([]);
    const show = JSON.stringify((await h.command(`show ${canary.id}`)).body);
    expect(show).toContain('quiet (no policy, no boundary); its guard has not fired');
  });

  it('undoes a policy and a password given to the canary, disables its key for a group it cannot leave, alerts once, and the audit saw them', async () => {
    const UserName = canary.resource.userName!;
    const policy = await h.iam.send(
      new CreatePolicyCommand({
        PolicyName: `admin-${canary.id}`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    );
    const PolicyArn = policy.Policy!.Arn!;
    await h.iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn }));
    await h.iam.send(
      new PutUserPolicyCommand({
        UserName,
        PolicyName: 'debug',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
      }),
    );
    await h.iam.send(new CreateGroupCommand({ GroupName: `admins-${canary.id}` }));
    await h.iam.send(new AddUserToGroupCommand({ UserName, GroupName: `admins-${canary.id}` }));
    await h.iam.send(new CreateLoginProfileCommand({ UserName, Password: 'Correct-Horse-9-Battery' }));

    const problems = (await awsKey.audit(h.audit.runtime, canary)).map((f) => f.problem).join('; ');
    expect(problems).toMatch(/extra policies: .*debug/);
    expect(problems).toMatch(/member of groups/);

    const change = iamChange('AttachUserPolicy', { userName: UserName, policyArn: PolicyArn });
    expect((await deliver(change))!.batchItemFailures).toEqual([]);

    expect((await h.iam.send(new ListAttachedUserPoliciesCommand({ UserName }))).AttachedPolicies).toEqual([]);
    expect((await h.iam.send(new ListUserPoliciesCommand({ UserName }))).PolicyNames).toEqual([]);
    // Groups are the bot's to read, not to change (IAM scopes that to groups): the key goes instead.
    expect((await h.iam.send(new ListGroupsForUserCommand({ UserName }))).Groups?.map((g) => g.GroupName)).toEqual([`admins-${canary.id}`]);
    expect((await h.iam.send(new ListAccessKeysCommand({ UserName }))).AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Inactive']);
    expect((await h.store.getCanary(canary.id))!.status).toBe('disabled');
    expect((await awsKey.audit(h.audit.runtime, (await h.store.getCanary(canary.id))!)).map((f) => f.problem)).toEqual([
      `member of groups: admins-${canary.id}`,
    ]);

    const said = guardMessages();
    expect(said).toHaveLength(1);
    expect(String(said[0]!.args.text)).toContain(ADMIN_ARN);
    expect(String(said[0]!.args.text)).toContain(`detached ${PolicyArn}`);
    expect(String(said[0]!.args.text)).toContain('deleted the console password');
    expect(String(said[0]!.args.text)).toContain(
      `disabled the key: it had power until the guard undid it; the user is in admins-${canary.id}`,
    );
    const history = (await h.store.canaryHistory(canary.id))!;
    expect(history.canary.guardFiredAt).toBeDefined();
    expect(history.audit.filter((a) => a.action === 'guarded')).toHaveLength(1);

    // The same event again (EventBridge and SQS deliver at least once): nothing left to undo, nothing said.
    expect((await deliver(change))!.batchItemFailures).toEqual([]);
    expect(guardMessages()).toHaveLength(1);
    expect(JSON.stringify((await h.command(`show ${canary.id}`)).body)).toContain('its guard last undid a change at');
  });

  it('says it on the next delivery when Slack refused the first time, once', async () => {
    await h.command('new kiosk-quiet-2 --profile quiet');
    await h.settle();
    const c = (await h.store.allCanaries()).find((x) => x.location === 'kiosk-quiet-2')!;
    const UserName = c.resource.userName!;
    await h.iam.send(new CreateLoginProfileCommand({ UserName, Password: 'Correct-Horse-9-Battery' }));
    const before = guardMessages().length;
    const change = iamChange('CreateLoginProfile', { userName: UserName });
    h.standin.failNext('chat.postMessage', { error: 'channel_not_found' });
    // The stand-in records the refused call too: one attempt refused, then one said, then nothing more.
    expect((await deliver(change))!.batchItemFailures).toHaveLength(1); // undone, but not yet said: redelivered
    expect(guardMessages()).toHaveLength(before + 1);
    expect((await h.store.getCanary(c.id))!.guardUnsaid).toContain('deleted the console password');
    expect((await deliver(change))!.batchItemFailures).toEqual([]);
    expect(guardMessages()).toHaveLength(before + 2);
    expect(String(guardMessages().at(-1)!.args.text)).toContain('deleted the console password');
    expect((await h.store.getCanary(c.id))!.guardUnsaid).toBeUndefined();
    expect((await deliver(change))!.batchItemFailures).toEqual([]);
    expect(guardMessages()).toHaveLength(before + 2);
  });

  it("leaves a deny-all canary's own policy alone, and ignores users that are not canaries", async () => {
    await h.command('new kiosk-denyall');
    await h.settle();
    const denyAll = (await h.store.allCanaries()).find((c) => c.location === 'kiosk-denyall')!;
    const before = guardMessages().length;
    // The bot's own PutUserPolicy at mint, as CloudTrail records it, and a change to someone else.
    const own = iamChange('PutUserPolicy', { userName: denyAll.resource.userName, policyName: DENY_ALL_POLICY_NAME });
    const other = iamChange('AttachUserPolicy', { userName: 'alice', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
    expect((await deliver(own, other))!.batchItemFailures).toEqual([]);
    expect(guardMessages()).toHaveLength(before);
    expect((await h.iam.send(new ListUserPoliciesCommand({ UserName: denyAll.resource.userName! }))).PolicyNames).toEqual([
      DENY_ALL_POLICY_NAME,
    ]);
  });
});
