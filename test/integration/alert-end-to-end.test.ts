import { ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../local/block-kit';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { canaryCall, eventBridgeEnvelope, publishAndReceive } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

describe('a CloudTrail event by a minted canary becomes one rich Slack alert', () => {
  let h: Harness;
  let identity: { accessKeyId: string; arn: string; userName: string };
  let canaryId: string;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '1' } });
    await h.command('new laptop-42 ~/.aws/credentials --owner <@U0OWNER1>');
    await h.settle();
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    const [key] = (await h.iam.send(new ListAccessKeysCommand({ UserName: user!.UserName! }))).AccessKeyMetadata ?? [];
    identity = { accessKeyId: key!.AccessKeyId!, arn: user!.Arn!, userName: user!.UserName! };
    canaryId = String((await h.store.allCanaries())[0]!.id);
    h.standin.calls.length = 0;
  });
  afterAll(() => h.close());

  const parentPost = () =>
    h.standin.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1' && !c.args.thread_ts)!;

  it('travels EventBridge -> SNS -> SQS in moto into handlers/alert and posts one parent in the alert channel', async () => {
    const call = canaryCall(identity, {
      sourceIPAddress: '81.2.69.142',
      userAgent: 'aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64',
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized',
    });
    const batch = await publishAndReceive(h.resources.topicArn, h.resources.queueUrl, [eventBridgeEnvelope(call)]);
    expect(batch.Records).toHaveLength(1);
    const out = await h.alert.handler(batch);
    expect(out).toEqual({ batchItemFailures: [] });
    const posts = h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1');
    expect(posts).toHaveLength(1);
    expect(checkMessage(posts[0]!.args)).toEqual([]);
  });

  it('names the canary, its location, owner, key, IAM user, action, region, result, IP with country, user agent and timing', () => {
    const blocks = JSON.stringify(parentPost().args.blocks);
    expect(blocks).toContain('Canary used: laptop-42 ~/.aws/credentials');
    expect(blocks).toContain(`\`${canaryId}\``);
    expect(blocks).toContain('<@U0OWNER1>');
    expect(blocks).toContain(`\`${identity.accessKeyId}\``);
    expect(blocks).toContain(`\`${identity.userName}\``);
    expect(blocks).toContain('`sts:GetCallerIdentity`');
    expect(blocks).toContain('`us-east-1`');
    expect(blocks).toContain('`AccessDenied` `User is not authorized`');
    expect(blocks).toContain('`81.2.69.142` (GB)');
    expect(blocks).toContain('`aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64`');
    expect(blocks).toMatch(/alerted \d+ s later/);
    expect(blocks).toContain('High severity');
    expect(blocks).toMatch(/CloudTrail event `[0-9a-f-]{36}`/);
    expect(String(parentPost().args.text)).toMatch(/^Canary c\w{6} used: sts:GetCallerIdentity from 81\.2\.69\.142$/);
  });

  it('offers Disable key (with a confirm dialog) and Mark false positive, carrying the canary id', () => {
    const blocks = parentPost().args.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>;
    const buttons = blocks.find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.action_id)).toEqual([ALERT_ACTIONS.disableKey, ALERT_ACTIONS.falsePositive]);
    expect(buttons[0]!.confirm).toBeDefined();
    expect(JSON.parse(String(buttons[0]!.value))).toEqual({ canaryId, seq: 1 });
  });

  it('sends the owner a direct message linking to the alert', () => {
    const dm = h.standin.calls.find((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('D'));
    expect(dm?.args.text).toMatch(
      new RegExp(
        `Your canary \`${canaryId}\` at \`laptop-42 ~/.aws/credentials\` was just used.*https://example.slack.com/archives/C0ALERTS1/p\\d+`,
      ),
    );
    expect(h.standin.calls.find((c) => c.method === 'conversations.open')?.args.users).toBe('U0OWNER1');
  });

  it('puts later calls in the same thread as a batched summary and updates the parent totals', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const calls = ['ListBuckets', 'ListBuckets', 'DescribeInstances'].map((eventName, i) =>
      eventBridgeEnvelope(
        canaryCall(identity, { eventName, eventSource: i < 2 ? 's3.amazonaws.com' : 'ec2.amazonaws.com', sourceIPAddress: '203.0.113.9' }),
      ),
    );
    const out = await h.alert.handler(await publishAndReceive(h.resources.topicArn, h.resources.queueUrl, calls));
    expect(out).toEqual({ batchItemFailures: [] });
    const [, parent] = [...h.standin.messages.entries()].find(([k, m]) => k.startsWith('C0ALERTS1/') && !m.thread_ts)!;
    const reply = h.standin.calls.find((c) => c.method === 'chat.postMessage' && c.args.thread_ts);
    expect(reply?.args.thread_ts).toBe(parent.ts);
    expect(JSON.stringify(reply!.args.blocks)).toMatch(
      /3 more calls.*4 calls in all.*`s3:ListBuckets` ×2, `ec2:DescribeInstances` ×1.*`203\.0\.113\.9` ×3/,
    );
    const update = h.standin.calls.find((c) => c.method === 'chat.update');
    expect(JSON.stringify(update!.args.blocks)).toContain('*4 calls* · 2 IPs · 3 actions');
    expect(
      h.standin.calls.filter((c) => c.method === 'chat.postMessage' && !c.args.thread_ts && c.args.channel === 'C0ALERTS1'),
    ).toHaveLength(1);
  });
});
