import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { DeleteRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { canaryEventPattern, FORWARD_RULE_NAME, RULE_STATE } from '../../infra/detection';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteUserCommand,
  CreateLoginProfileCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { deliveredSecret, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { awsEndpoint } from '../support/emulator';
import type { CanaryRecord } from '../../bot/model/canary';
import type { Refusal } from '../support/iam/check';

describe('the audit proves canaries and pipeline intact, retires the expired, and nets silent use', () => {
  let h: Harness;
  const canaries: Record<string, CanaryRecord & { secret: { accessKeyId: string; secretAccessKey: string } }> = {};
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0', SILENT_USE_GRACE_SECONDS: '0', CANARY_REGIONS: 'us-east-1,eu-west-1' } });
    // The forwarding rule the CDK app puts in every other region, from the same pattern code.
    await new EventBridgeClient({ region: 'eu-west-1' }).send(
      new PutRuleCommand({
        Name: FORWARD_RULE_NAME,
        EventPattern: JSON.stringify(canaryEventPattern(h.userPath, '123456789012')),
        State: RULE_STATE,
      }),
    );
    const aws = { region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    await new S3Client({ ...aws, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: `trail-${h.table}` }));
    const ct = new CloudTrailClient(aws);
    await ct.send(new CreateTrailCommand({ Name: `org-${h.table}`, S3BucketName: `trail-${h.table}`, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: `org-${h.table}` }));
    for (const name of ['intact', 'policy', 'deleted', 'extra', 'password', 'expired', 'quiet', 'loud']) {
      const { responseUrl } = await h.command(`new ${name}-box`);
      await h.settle();
      const rec = (await h.store.allCanaries()).find((i) => i.location === `${name}-box`)!;
      canaries[name] = { ...(await h.store.getCanary(String(rec.id)))!, secret: deliveredSecret(h, responseUrl) };
    }
  }, 60_000);
  // Every later silent-use run reads the key deleted by hand too (see the silent-use test).
  const deletedKeyRead = (r: Refusal) =>
    r.authorization.action === 'iam:GetAccessKeyLastUsed' && r.authorization.resource.includes(':user/no-user-has-');
  afterAll(() => {
    h.expectRefused(deletedKeyRead);
    return h.close();
  });

  const reportVia = async (text = 'audit') => {
    const { responseUrl } = await h.command(text);
    await h.settle();
    const reply = h.standin.calls.filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!)).at(-1)!;
    return JSON.stringify(reply.args.blocks);
  };

  it('reports all intact when nothing has drifted', async () => {
    expect(await reportVia()).toContain('Canary audit: all intact');
  });

  it('finds each kind of drift: a policy attached by hand, the key deleted, an extra key, a console password, the rule disabled', async () => {
    const u = (n: string) => canaries[n]!.resource.userName!;
    // moto does not load AWS managed policies; a customer managed one drifts the same way.
    const policy = await h.iam.send(
      new CreatePolicyCommand({
        PolicyName: `ReadOnlyByHand-${h.table}`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] }),
      }),
    );
    await h.iam.send(new AttachUserPolicyCommand({ UserName: u('policy'), PolicyArn: policy.Policy!.Arn! }));
    await h.iam.send(new DeleteAccessKeyCommand({ UserName: u('deleted'), AccessKeyId: canaries.deleted!.resource.accessKeyId! }));
    await h.iam.send(new CreateAccessKeyCommand({ UserName: u('extra') }));
    await h.iam.send(new CreateLoginProfileCommand({ UserName: u('password'), Password: 'Correct-Horse-9' }));
    const events = new EventBridgeClient({ region: 'us-east-1' });
    await events.send(new DisableRuleCommand({ Name: h.resources.ruleName }));
    const away = new EventBridgeClient({ region: 'eu-west-1' });
    await away.send(new DeleteRuleCommand({ Name: FORWARD_RULE_NAME }));
    const report = await reportVia();
    await events.send(new EnableRuleCommand({ Name: h.resources.ruleName }));
    expect(report).toContain('forwarding (eu-west-1)');
    expect(report).toContain('the rule aws-canary-bot-forward does not exist: canary use there goes unseen');
    expect(report).toContain(`canary ${canaries.policy!.id}`);
    expect(report).toContain(`extra policies: ReadOnlyByHand-${h.table}`);
    expect(report).toMatch(
      new RegExp(`canary ${canaries.deleted!.id}.*the recorded key ${canaries.deleted!.resource.accessKeyId} is not on the user`),
    );
    expect(report).toContain('the user has 2 access keys');
    expect(report).toContain('the user has a console password');
    expect(report).toMatch(/the rule canaries-\w+-detect is DISABLED, so read-only calls such as sts:GetCallerIdentity are not delivered/);
    expect(report).not.toContain(`canary ${canaries.intact!.id}`);
  });

  it('finds an IAM user under the canary path that has no canary record', async () => {
    await h.iam.send(new CreateUserCommand({ UserName: `orphan-${h.table}`, Path: h.userPath }));
    const report = await reportVia();
    expect(report).toContain(`IAM user orphan-${h.table}`);
    expect(report).toContain('is under the canary path but has no canary record');
    await h.iam.send(new DeleteUserCommand({ UserName: `orphan-${h.table}` }));
  });

  it('retires an expired canary in the daily run, and says so in the channel', async () => {
    const c = canaries.expired!;
    await h.store.setExpiry(c.id, '2020-01-01');
    const before = h.standin.calls.length;
    await h.audit.handler({ task: 'daily' });
    await expect(h.iam.send(new GetUserCommand({ UserName: c.resource.userName! }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(await h.store.getCanary(c.id)).toMatchObject({ status: 'retired', retiredBy: 'expiry' });
    const post = h.standin.calls.slice(before).find((x) => x.method === 'chat.postMessage' && x.args.channel === 'C0ALERTS1');
    expect(JSON.stringify(post?.args.blocks)).toMatch(new RegExp(`Retired because they expired:.*${c.id}.*2020-01-01`));
  });

  it('raises one silent-use alert, with service and region, for a call CloudTrail never logged', async () => {
    const c = canaries.quiet!;
    // An attacker validating the key: any call signed with it moves GetAccessKeyLastUsed.
    await new SQSClient({ region: 'eu-west-1', credentials: c.secret }).send(new ListQueuesCommand({}));
    const before = h.standin.calls.length;
    expect(await h.audit.handler({ task: 'silent-use' })).toEqual({ task: 'silent-use', problems: 1 });
    const posts = h.standin.calls.slice(before).filter((x) => x.method === 'chat.postMessage');
    expect(posts).toHaveLength(1);
    const text = JSON.stringify(posts[0]!.args.blocks);
    expect(text).toContain('Silent use of a canary: quiet-box');
    expect(text).toContain('`sqs`');
    expect(text).toContain('`eu-west-1`');
    expect(await h.audit.handler({ task: 'silent-use' })).toEqual({ task: 'silent-use', problems: 0 });
    // The key deleted by hand above has no user for IAM to authorize its last use on: AWS refuses
    // the read, and the net goes on (the audit names that canary's missing key).
    expect(h.expectRefused(deletedKeyRead)).not.toEqual([]);
  });

  it('raises nothing extra for a call that CloudTrail also reported', async () => {
    const c = canaries.loud!;
    await new SQSClient({ region: 'us-east-1', credentials: c.secret }).send(new ListQueuesCommand({}));
    const identity = { accessKeyId: c.resource.accessKeyId!, arn: c.resource.userArn!, userName: c.resource.userName! };
    await h.alert.handler(
      sqsEvent([
        snsNotificationBody(eventBridgeEnvelope(canaryCall(identity, { eventSource: 'sqs.amazonaws.com', eventName: 'ListQueues' }))),
      ]),
    );
    const before = h.standin.calls.length;
    expect(await h.audit.handler({ task: 'silent-use' })).toEqual({ task: 'silent-use', problems: 0 });
    expect(h.standin.calls.slice(before).filter((x) => x.method === 'chat.postMessage')).toHaveLength(0);
  });
});
