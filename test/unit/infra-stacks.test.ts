import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { isUserPath, proposeUserPath } from '../../infra/user-path';
import { canaryEventPattern, ecrDecoyEventPattern, RULE_STATE, s3DecoyEventPattern } from '../../infra/detection';
import { PLACEHOLDER_PREFIX, PLACEHOLDER_SELECTOR } from '../../bot/kinds/data-events';

/** `cdk synth`, offline, in process: what one deploy puts in the account. */
describe('the CDK app deploys the whole detection pipeline', () => {
  let dir: string;
  let stacks: ReturnType<typeof buildApp>;
  let home: Template;
  beforeAll(() => {
    // Synth needs a folder for the functions' code, not the bundles (test/integration/bundles.test.ts builds and checks those).
    dir = mkdtempSync(join(tmpdir(), 'canary-cdk-'));
    writeFileSync(join(dir, 'slack.js'), '');
    const app = new App({
      context: {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: 'us-east-1',
        regions: 'us-east-1,eu-west-1,ap-southeast-2',
      },
    });
    stacks = buildApp(app, dir);
    home = Template.fromStack(stacks.home);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves organization mode out unless asked: no StackSet, no bus policy, generated role names, no organization setting', () => {
    home.resourceCountIs('AWS::CloudFormation::StackSet', 0);
    home.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    expect(Object.values(home.findResources('AWS::IAM::Role')).filter((r) => r.Properties.RoleName)).toEqual([]);
    expect(JSON.stringify(home.toJSON())).not.toMatch(/aws-canary-bot-member|ORGANIZATION_ID|HOME_ACCOUNT_ID|PrincipalOrgID/);
  });

  it('detects calls by canary users with one fixed pattern, read-only events included, to the alert topic', () => {
    home.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: stacks.home.resolve(canaryEventPattern('/svc/', stacks.home.account)),
      State: RULE_STATE,
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('AlertTopic') } })],
    });
  });

  it('forwards from every other region to the home default bus', () => {
    expect(stacks.forwarders.map((f) => f.region)).toEqual(['eu-west-1', 'ap-southeast-2']);
    for (const f of stacks.forwarders) {
      const t = Template.fromStack(f);
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: f.resolve(canaryEventPattern('/svc/', f.account)),
        State: RULE_STATE,
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::Join': ['', Match.arrayWith([':events:us-east-1:', ':event-bus/default'])] },
            RoleArn: Match.anyValue(),
          }),
        ],
      });
    }
  });

  it('wires topic -> queue (with a DLQ after 5 receives) -> alert Lambda with partial batch failures', () => {
    home.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertQueue'), 'Arn'] },
    });
    home.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 } });
    // No batching window: the first call of a quiet canary reaches the handler at once.
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  it('sends a failed job to the alert queue, without retries, and sweeps the queue every five minutes', () => {
    home.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('JobsFunction') },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertQueue'), 'Arn'] } } },
    });
    home.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlertQueue'), 'Arn'] },
          Input: JSON.stringify({ type: 'sweep' }),
        }),
      ],
    });
  });

  it("alarms on everything that can drop an alert, to an ops topic only this app's alarms may publish to, with a human subscriber", () => {
    const alarms = Object.values(home.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    for (const a of alarms) {
      expect(JSON.stringify(a.AlarmActions)).toMatch(/OpsTopic/);
      expect(JSON.stringify(a.AlarmActions)).not.toMatch(/AlertTopic/);
      expect(a.AlarmName).toMatch(/^aws-canary-bot-/);
      expect(a.AlarmDescription.length).toBeGreaterThan(40); // what broke, and what to do
    }
    const metrics = alarms.map((a) => a.MetricName);
    for (const m of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'NumberOfNotificationsFailed'])
      expect(metrics).toContain(m);
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(4);
    expect(metrics.filter((m) => m === 'Throttles')).toHaveLength(4);
    home.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      }),
    });
    home.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('OpsTopic') },
    });
    home.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', TopicArn: { Ref: Match.stringLikeRegexp('OpsTopic') } });
  });

  it('has a FailedInvocations alarm for every rule in every stack, and a DLQ for every detection target', () => {
    for (const stack of [stacks.home, ...stacks.forwarders]) {
      const t = Template.fromStack(stack);
      const rules = Object.keys(t.findResources('AWS::Events::Rule'));
      const watched = Object.values(t.findResources('AWS::CloudWatch::Alarm'))
        .filter((a) => a.Properties.MetricName === 'FailedInvocations')
        .map((a) => JSON.stringify(a.Properties.Dimensions));
      for (const r of rules)
        expect(
          watched.some((d) => d.includes(r)),
          `${stack.stackName} ${r}`,
        ).toBe(true);
      for (const r of Object.values(t.findResources('AWS::Events::Rule')).filter((x) => x.Properties.EventPattern)) {
        for (const target of r.Properties.Targets) expect(target.DeadLetterConfig, stack.stackName).toBeDefined();
      }
    }
  });

  it('always forwards us-east-1, where IAM and global STS events arrive, whatever -c regions says', () => {
    const app = new App({
      context: {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: 'eu-west-1',
        regions: 'eu-west-1',
        heartbeat: 'true',
      },
    });
    const built = buildApp(app, dir);
    expect(built.forwarders.map((f) => f.region)).toEqual(['us-east-1']);
    // and, asked for, the daily heartbeat, watched like every rule
    const t = Template.fromStack(built.home);
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(47 5 * * ? *)',
      Targets: [Match.objectLike({ Input: '{"task":"heartbeat"}' })],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'aws-canary-bot-heartbeat-failed', MetricName: 'FailedInvocations' });
  });

  it('checks at deploy that a trail feeds EventBridge, or creates one when asked', () => {
    home.hasResourceProperties('AWS::CloudFormation::CustomResource', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditFunction'), 'Arn'] },
    });
    home.resourceCountIs('AWS::CloudTrail::Trail', 0);
    const app = new App({
      context: {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: 'us-east-1',
        regions: 'us-east-1',
        createTrail: 'true',
      },
    });
    const withTrail = buildApp(app, dir).home;
    const t = Template.fromStack(withTrail);
    t.hasResourceProperties('AWS::CloudTrail::Trail', { IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, IsLogging: true });
    expect(new AwsSolutionsChecks().validateScope(withTrail).violations.map((v) => v.ruleName)).toEqual([]);
    t.resourceCountIs('AWS::CloudFormation::CustomResource', 0);
  });

  it('guards canaries in the region that receives IAM events: a rule on permission changes, home to the alert topic, forwarded from us-east-1', () => {
    const guardRule = (t: Template, name: string) => Object.values(t.findResources('AWS::Events::Rule', { Properties: { Name: name } }));
    const [rule] = guardRule(home, 'aws-canary-bot-detect-guard');
    expect(rule).toBeDefined();
    expect(rule!.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(rule!.Properties.EventPattern).toEqual({
      source: ['aws.iam'],
      account: [{ Ref: 'AWS::AccountId' }],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['iam.amazonaws.com'],
        eventName: expect.arrayContaining([
          'AttachUserPolicy',
          'PutUserPolicy',
          'AddUserToGroup',
          'CreateLoginProfile',
          'DeleteUserPermissionsBoundary',
        ]),
        errorCode: [{ exists: false }], // only changes that happened
      },
    });
    expect(JSON.stringify(rule!.Properties.Targets)).toMatch(/"Ref":"AlertTopic[0-9A-F]*"/);
    // Home elsewhere: the us-east-1 forwarder sends the guard's events home; no other region has the rule.
    const app = new App({
      context: {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: 'eu-west-1',
        regions: 'eu-west-1,us-west-2',
      },
    });
    const { forwarders } = buildApp(app, dir);
    for (const f of forwarders) {
      const forwarded = guardRule(Template.fromStack(f), 'aws-canary-bot-forward-guard');
      if (f.region === 'us-east-1') {
        expect(forwarded).toHaveLength(1);
        expect(JSON.stringify(forwarded[0]!.Properties.Targets)).toContain(':event-bus/default');
        expect(forwarded[0]!.Properties.EventPattern.detail.eventName).toContain('AttachUserPolicy');
      } else expect(forwarded, f.region).toHaveLength(0);
    }
  });

  it('takes no shared default path: proposes one per account, the same on every synth, and refuses a bad one', () => {
    const base = { alertChannelId: 'C0ALERTS1', adminUserIds: 'U0ADMIN1', opsEmail: 'secops@example.com' };
    expect(() => buildApp(new App({ context: base }), dir)).toThrow(
      /keep the path your canaries already use \(-c userPath=\/svc\/\).*-c userPath=\/[a-z]+\/ is proposed for this account/,
    );
    expect(proposeUserPath('123456789012')).toBe(proposeUserPath('123456789012'));
    const proposals = new Set(Array.from({ length: 40 }, (_, i) => proposeUserPath(String(100000000000 + i * 7919))));
    expect(proposals.size).toBeGreaterThan(5);
    expect(proposals).not.toContain('/svc/');
    for (const bad of ['/', 'svc/', '/svc', '/s vc/', '/ci*/', '/a//b/'])
      expect(() => buildApp(new App({ context: { ...base, userPath: bad } }), dir), bad).toThrow(/IAM path/);
    expect(isUserPath('/automation/')).toBe(true);
  });

  it('refuses to deploy without a human subscriber for alarms, in every region', () => {
    expect(() => buildApp(new App({ context: { userPath: '/svc/', alertChannelId: 'C0ALERTS1', adminUserIds: 'U0ADMIN1' } }), dir)).toThrow(
      /opsEmail/,
    );
    const pagerOnly = {
      userPath: '/svc/',
      alertChannelId: 'C0ALERTS1',
      adminUserIds: 'U0ADMIN1',
      opsTopicArn: 'arn:aws:sns:us-east-1:123456789012:pager',
      homeRegion: 'us-east-1',
    };
    expect(() => buildApp(new App({ context: { ...pagerOnly, regions: 'us-east-1,eu-west-1' } }), dir)).toThrow(
      /only reach a person by email/,
    );
    expect(() => buildApp(new App({ context: { ...pagerOnly, regions: 'us-east-1' } }), dir)).not.toThrow();
  });

  it('retries a detection target for an hour, not a day, before its DLQ and alarm', () => {
    for (const stack of [stacks.home]) {
      for (const r of Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).filter(
        (x) => x.Properties.EventPattern,
      )) {
        for (const target of r.Properties.Targets)
          expect(target.RetryPolicy, stack.stackName).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 });
      }
    }
  });

  it('reserves concurrency for the alert function and caps the public slack function', () => {
    const fns = Object.values(home.findResources('AWS::Lambda::Function')).map((f) => f.Properties);
    expect(fns.find((f) => f.Handler === 'alert.handler')!.ReservedConcurrentExecutions).toBe(10);
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } });
    expect(fns.find((f) => f.Handler === 'slack.handler')!.ReservedConcurrentExecutions).toBe(10);
  });

  it('encrypts the topic, the queues and the table, with point-in-time recovery, TTL and deletion protection', () => {
    home.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    for (const q of Object.values(home.findResources('AWS::SQS::Queue'))) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    home.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('runs the four bundles on Node 24 (nodejs24.x) on arm64, Slack secrets only by reference, the Slack endpoint behind a Function URL', () => {
    const fns = Object.values(home.findResources('AWS::Lambda::Function')).map((f) => f.Properties);
    expect(fns.map((f) => f.Handler).sort()).toEqual(['alert.handler', 'audit.handler', 'jobs.handler', 'slack.handler']);
    for (const f of fns) {
      expect(f.Runtime).toBe('nodejs24.x');
      expect(f.Architectures).toEqual(['arm64']);
      expect(Object.keys(f.Environment.Variables)).toContain('SLACK_SECRET_ARN');
      expect(Object.keys(f.Environment.Variables)).not.toEqual(expect.arrayContaining(['SLACK_BOT_TOKEN']));
      expect(Object.keys(f.Environment.Variables)).not.toEqual(expect.arrayContaining(['SLACK_SIGNING_SECRET']));
    }
    home.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    home.hasOutput('SlackRequestUrl', {});
  });

  it('scopes every IAM-user permission to the canary path, every change to a user the bot tagged, and creating one to the deny-all boundary', () => {
    const statements = Object.values(home.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        p.Properties.PolicyDocument.Statement as Array<{
          Effect: string;
          Action: string | string[];
          Resource: unknown;
          Condition?: unknown;
        }>,
    );
    const iamAllows = statements.filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('iam:')));
    expect(iamAllows.length).toBeGreaterThan(0);
    const changes = (s: { Action: string | string[] }) => [s.Action].flat().some((a) => !/^iam:(Get|List)/.test(a));
    for (const s of iamAllows) {
      // ListUsers, ListRoles and GetAccountAuthorizationDetails have no resource type, so only "*" grants them; every other IAM action is on the path.
      if (['iam:ListUsers', 'iam:ListRoles', 'iam:GetAccountAuthorizationDetails'].includes([s.Action].flat().join()))
        expect(s.Resource).toBe('*');
      else expect(JSON.stringify(s.Resource)).toMatch(/:iam::",\{"Ref":"AWS::AccountId"\},":user\/svc\/\*"/);
      // Every change needs the bot's tag on the user, or (creating one) the boundary and the tag in the request.
      if (changes(s)) expect(JSON.stringify(s.Condition), JSON.stringify(s.Action)).toMatch(/aws:(Resource|Request)Tag\/registry-id/);
    }
    const create = iamAllows.find((s) => [s.Action].flat().includes('iam:CreateUser'))!;
    expect(JSON.stringify(create.Condition)).toContain('policy/AWSDenyAll');
    const wildcard = statements.filter((s) => s.Effect === 'Allow' && s.Resource === '*');
    for (const w of wildcard)
      expect([
        ['account:ListRegions', 'cloudtrail:DescribeTrails'],
        ['iam:ListUsers'],
        ['iam:ListRoles'],
        ['iam:GetAccountAuthorizationDetails'],
      ]).toContainEqual([w.Action].flat().sort()); // no resource-level permissions exist for them
    // The alert function, which parses attacker-shaped input, can create nothing in IAM.
    const alertRole = Object.entries(home.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('AlertFunction'));
    expect(alertRole).toHaveLength(1);
    const alertActions = alertRole.flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[] }>)
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => [s.Action].flat()),
    );
    // Nothing that gives power; what it may delete (the guard's undo) only ever takes power away.
    expect(alertActions.filter((a) => /^iam:(Create|Put|Tag|Attach|Add)/.test(a))).toEqual([]);
    expect(alertActions.filter((a) => /^iam:Delete/.test(a)).sort()).toEqual(['iam:DeleteLoginProfile', 'iam:DeleteUserPolicy']);
  });

  it("lets AWS services into topics and queues only from this app's own sources in this account, and use the key only for its topics", () => {
    type Doc = {
      Statement: Array<{
        Sid?: string;
        Effect: string;
        Principal?: { Service?: unknown };
        Condition?: Record<string, Record<string, unknown>>;
      }>;
    };
    for (const stack of [stacks.home, ...stacks.forwarders]) {
      const t = Template.fromStack(stack);
      const docs = (type: string, prop: string) =>
        Object.entries(t.findResources(type)).map(([id, r]) => [id, r.Properties[prop] as Doc] as const);
      let services = 0;
      for (const [id, doc] of [...docs('AWS::SNS::TopicPolicy', 'PolicyDocument'), ...docs('AWS::SQS::QueuePolicy', 'PolicyDocument')]) {
        for (const st of doc.Statement.filter((x) => x.Effect === 'Allow' && x.Principal?.Service)) {
          services++;
          expect(
            Object.values(st.Condition ?? {}).flatMap((c) => Object.keys(c)),
            `${stack.stackName} ${id} ${st.Sid ?? JSON.stringify(st.Principal)}`,
          ).toContain('aws:SourceArn');
        }
      }
      expect(services).toBeGreaterThan(0);
      for (const [id, doc] of docs('AWS::KMS::Key', 'KeyPolicy')) {
        for (const st of doc.Statement.filter((x) => x.Effect === 'Allow' && x.Principal?.Service)) {
          expect(Object.keys(st.Condition?.StringLike ?? {}), `${stack.stackName} ${id}`).toEqual([
            'kms:EncryptionContext:aws:sns:topicArn',
          ]);
        }
      }
    }
    // CDK's own SnsTopic target would add an unconditioned grant to events.amazonaws.com: ours names the rules.
    const topicPolicy = Object.values(home.findResources('AWS::SNS::TopicPolicy'))
      .map((r) => JSON.stringify(r.Properties.PolicyDocument))
      .join();
    expect(topicPolicy).toContain('ThisAppsDetectionRulesOnly');
    expect(topicPolicy).toContain('rule/aws-canary-bot-detect*');
  });

  it('fans the self-checks out on a FIFO work queue: one group per account, bounded consumers, a DLQ with an alarm', () => {
    const queues = home.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } });
    const [queueId, queue] = Object.entries(queues).find(([id]) => id.startsWith('CheckQueue'))!;
    const dlqId = Object.keys(queues).find((id) => id.startsWith('CheckDlq'))!;
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 });
    // Above the audit function's five minutes; a failed item blocks its account's group until it is back.
    expect(queue.Properties.VisibilityTimeout).toBe(360);
    const audit = Object.keys(home.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('AuditFunction'))!;
    home.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: audit },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    for (const prefix of ['AuditFunction', 'JobsFunction']) {
      const [, fn] = Object.entries(home.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix))!;
      expect(fn.Properties.Environment.Variables.CHECK_QUEUE_URL).toEqual({ Ref: queueId });
    }
    home.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmDescription: Match.stringLikeRegexp('Self-check work items failed five times'),
    });
  });

  it('schedules the daily audit and the silent-use poll, and names the rules the audit checks', () => {
    home.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(17 6 * * ? *)',
      Targets: [Match.objectLike({ Input: '{"task":"daily"}' })],
    });
    home.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Input: '{"task":"silent-use"}' })],
    });
    home.hasResourceProperties('AWS::Events::Rule', { Name: 'aws-canary-bot-detect', State: RULE_STATE });
    for (const f of stacks.forwarders) Template.fromStack(f).hasResourceProperties('AWS::Events::Rule', { Name: 'aws-canary-bot-forward' });
  });

  it('deploys the S3 and ECR decoy rules, and the trail for decoy data events, when asked', () => {
    const app = new App({
      context: {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: 'us-east-1',
        regions: 'us-east-1',
        decoys: 's3,ecr',
      },
    });
    const { home: decoyHome } = buildApp(app, dir);
    const t = Template.fromStack(decoyHome);
    t.hasResourceProperties('AWS::Events::Rule', {
      Name: 'aws-canary-bot-detect-s3',
      EventPattern: decoyHome.resolve(s3DecoyEventPattern(decoyHome.account)),
      State: RULE_STATE,
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      Name: 'aws-canary-bot-detect-ecr',
      EventPattern: decoyHome.resolve(ecrDecoyEventPattern(decoyHome.account)),
      State: RULE_STATE,
    });
    t.resourceCountIs('AWS::CloudTrail::Trail', 1);
    // Its selector records nothing and is one CloudTrail accepts (bot/kinds/data-events.ts; the
    // emulator test sends it through PutEventSelectors): data events on a prefix of its own log
    // bucket, no management events (a second copy is billed), and no basic selectors beside it.
    const [trail] = Object.values(t.findResources('AWS::CloudTrail::Trail'));
    const logs = (trail!.Properties.S3BucketName as { Ref: string }).Ref;
    expect(trail!.Properties.EventSelectors).toBeUndefined();
    expect(trail!.Properties.AdvancedEventSelectors).toEqual([
      {
        Name: PLACEHOLDER_SELECTOR,
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          {
            Field: 'resources.ARN',
            StartsWith: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: logs }, `/${PLACEHOLDER_PREFIX}`]] }],
          },
        ],
      },
    ]);
    // The placeholder comes back when the last decoy goes (GetTrail names the bucket); no role reads a decoy.
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>,
    );
    const actions = statements.flatMap((st) => [st.Action].flat());
    expect(actions).toContain('cloudtrail:GetTrail');
    expect(actions).toContain('s3:ListBucket');
    expect(actions).not.toContain('s3:GetObject');
    expect(new AwsSolutionsChecks().validateScope(decoyHome).violations.map((v) => v.ruleName)).toEqual([]);
    expect(home.findResources('AWS::CloudTrail::Trail')).toEqual({}); // off by default
  });

  it('passes cdk-nag (AwsSolutions), every accepted finding acknowledged with a reason in code', () => {
    for (const stack of [stacks.home, ...stacks.forwarders]) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(
        report.violations.map((v) => v.ruleName),
        stack.stackName,
      ).toEqual([]);
    }
  });
});
