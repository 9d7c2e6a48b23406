import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { SAMPLES_DIR, readSample } from '../support/cloudtrail';
import { enterAccount } from '../support/accounts';
import type { Credentials } from '../support/accounts';
import { awsEndpoint } from '../support/emulator';

// An account of the file's own: rules other files leave in the emulator's default account (the
// sandbox bootstrap's, with the default /svc/ path and an SNS target moto cannot deliver to) must not see these events.
const ACCOUNT = String(randomInt(100_000_000_000, 999_999_999_999));
const HOME = 'us-east-1';
const AWAY = 'eu-west-1';

/**
 * The detection pattern, read from the synthesized template (not a copy), on moto's EventBridge,
 * which matches patterns on PutEvents (it has no TestEventPattern). Real CloudTrail records are
 * rewritten to come from a canary user, or from the principals that must never match.
 */
describe('the synthesized detection rule matches canary calls, and only those', () => {
  let dir: string;
  let pattern: string;
  let homeQueue: string;
  let credentials: Credentials;
  const client = (region: string) => ({ region, endpoint: awsEndpoint(), credentials });
  const tag = `t${Date.now()}`;

  beforeAll(async () => {
    credentials = await enterAccount(ACCOUNT);
    dir = mkdtempSync(join(tmpdir(), 'canary-pattern-'));
    for (const h of ['slack', 'jobs', 'alert']) writeFileSync(join(dir, `${h}.js`), '');
    const app = new App({
      context: {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: HOME,
        regions: `${HOME},${AWAY}`,
      },
    });
    // A concrete account, as `cdk deploy` gives one: the pattern names the account it serves.
    const before = process.env.CDK_DEFAULT_ACCOUNT;
    process.env.CDK_DEFAULT_ACCOUNT = ACCOUNT;
    const { home, forwarders } = buildApp(app, dir);
    if (before === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
    else process.env.CDK_DEFAULT_ACCOUNT = before;
    const rules = Template.fromStack(home).findResources('AWS::Events::Rule', { Properties: { Name: 'aws-canary-bot-detect' } });
    pattern = JSON.stringify(Object.values(rules)[0]!.Properties.EventPattern);
    const forwardPattern = JSON.stringify(
      Object.values(Template.fromStack(forwarders[0]!).findResources('AWS::Events::Rule'))[0]!.Properties.EventPattern,
    );
    expect(forwardPattern).toBe(pattern);

    // Home: the rule with an SQS target standing in for the topic. Away: the forwarding rule.
    const sqs = new SQSClient(client(HOME));
    homeQueue = (await sqs.send(new CreateQueueCommand({ QueueName: `detected-${tag}` }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: homeQueue, AttributeNames: ['QueueArn'] }))).Attributes!
      .QueueArn!;
    const home_ = new EventBridgeClient(client(HOME));
    await home_.send(new PutRuleCommand({ Name: `detect-${tag}`, EventPattern: pattern, State: 'ENABLED' }));
    await home_.send(new PutTargetsCommand({ Rule: `detect-${tag}`, Targets: [{ Id: 'q', Arn: queueArn }] }));
    const away = new EventBridgeClient(client(AWAY));
    await away.send(new PutRuleCommand({ Name: `forward-${tag}`, EventPattern: forwardPattern, State: 'ENABLED' }));
    await away.send(
      new PutTargetsCommand({
        Rule: `forward-${tag}`,
        Targets: [
          { Id: 'home', Arn: `arn:aws:events:${HOME}:${ACCOUNT}:event-bus/default`, RoleArn: `arn:aws:iam::${ACCOUNT}:role/forwarder` },
        ],
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const canary = {
    type: 'IAMUser',
    arn: `arn:aws:iam::${ACCOUNT}:user/svc/ci-deploy-web`,
    accountId: ACCOUNT,
    accessKeyId: 'AKIACANARY0000000001',
    userName: 'ci-deploy-web',
    principalId: 'AIDACANARY',
  };
  const record = (file: string, identity: object, region: string, marker: string) => ({
    ...readSample(join(SAMPLES_DIR, 'edge', file)),
    userIdentity: identity,
    awsRegion: region,
    eventID: `${tag}-${marker}`,
  });

  async function put(region: string, r: Record<string, unknown>, forgedSource?: string) {
    const source = forgedSource ?? `aws.${String(r.eventSource).replace('.amazonaws.com', '')}`;
    await new EventBridgeClient(client(region)).send(
      new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(r) }] }),
    );
  }

  async function delivered(): Promise<string[]> {
    const out = await new SQSClient(client(HOME)).send(
      new ReceiveMessageCommand({ QueueUrl: homeQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    return (out.Messages ?? []).map((m) =>
      String((JSON.parse(m.Body!) as { detail: { eventID: string } }).detail.eventID).replace(`${tag}-`, ''),
    );
  }

  it('matches canary GetCallerIdentity, ListBuckets and AccessDenied calls, in any region, forwarded home', async () => {
    await put(HOME, record('001-sts-GetCallerIdentity-iamuser.json', canary, HOME, 'gci'));
    await put(HOME, record('017-s3-ListBuckets-iamuser.json', canary, HOME, 'list'));
    await put(HOME, record('004-sts-AssumeRole-iamuser.json', canary, 'ap-southeast-2', 'denied')); // errorCode AccessDenied
    await put(AWAY, record('001-sts-GetCallerIdentity-iamuser.json', canary, AWAY, 'away'));
    const got = [...(await delivered()), ...(await delivered())];
    expect(got.sort()).toEqual(['away', 'denied', 'gci', 'list']);
  });

  it("does not match the bot's own role, other IAM users, other accounts, forged sources, or AWS service events", async () => {
    const botRole = {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/CanaryBot-JobsFunctionServiceRole/CanaryBot-JobsFunction`,
      accountId: ACCOUNT,
      principalId: 'AROABOT:session',
    };
    const otherUser = { ...canary, arn: `arn:aws:iam::${ACCOUNT}:user/alice`, userName: 'alice' };
    const sameNameElsewhere = { ...canary, arn: `arn:aws:iam::${ACCOUNT}:user/svcx/ci-deploy-web` };
    await put(HOME, record('005-iam-CreateAccessKey-iamuser.json', botRole, HOME, 'bot'));
    await put(HOME, record('001-sts-GetCallerIdentity-iamuser.json', otherUser, HOME, 'alice'));
    await put(HOME, record('001-sts-GetCallerIdentity-iamuser.json', sameNameElsewhere, HOME, 'svcx'));
    await put(HOME, { ...readSample(join(SAMPLES_DIR, 'edge', '048-sts-AssumeRole-awsservice.json')), eventID: `${tag}-service` });
    // A user under the same path in another account; and a canary-shaped record put on the bus by
    // anyone with events:PutEvents, who cannot use an "aws." source (AWS refuses it).
    await put(
      HOME,
      record(
        '001-sts-GetCallerIdentity-iamuser.json',
        { ...canary, arn: 'arn:aws:iam::210987654321:user/svc/ci-deploy-web', accountId: '210987654321' },
        HOME,
        'foreign',
      ),
    );
    await put(HOME, record('001-sts-GetCallerIdentity-iamuser.json', canary, HOME, 'forged'), 'custom.cloudtrail');
    expect(await delivered()).toEqual([]);
  });
});
