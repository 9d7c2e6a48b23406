import { Aws, CfnOutput, CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { alertTopicTarget, allowDetectionRulesToPublish } from './alert-target';
import { ALERT_QUEUE_NAME, createOpsTopic, failedInvocations, OPS_TOPIC_NAME, opsAlarm } from './ops';
import type { OpsSettings } from './ops';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../bot/store/schema';
import { botIamStatements } from './bot-policy';
import { SELF_TEST_NAME_LENGTH } from '../bot/self-test';
import {
  canaryEventPattern,
  CLOUDTRAIL_API_CALL,
  DEFAULT_REGIONS,
  DETECTION_RULE_NAME,
  ECR_DECOY_RULE_NAME,
  ecrDecoyEventPattern,
  organizationEventPattern,
  FORWARD_RULE_NAME,
  GUARD_RULE_NAME,
  GUARD_FORWARD_RULE_NAME,
  guardEventPattern,
  RULE_STATE,
  S3_DECOY_RULE_NAME,
  s3DecoyEventPattern,
} from './detection';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BUCKET_WORDS } from '../bot/kinds/s3-object';
import { placeholderSelector } from '../bot/kinds/data-events';
import { REPOSITORIES } from '../bot/kinds/ecr-image';
import { addOrganization } from './organization';
import type { OrganizationSettings } from './organization';

/** The home detection rule's fixed name: the audit checks it exists and is in the right state. */

export interface BotSettings {
  /** Folder of `npm run build`'s bundles (dist/handlers). */
  handlersDir: string;
  /** Regions with a forwarding rule, checked by the audit. */
  regions: string[];
  userPath: string;
  alertChannelId: string;
  /** Name prefix of the self-test copies of canary keys (named like any application secret). */
  selfTestSecretPrefix: string;
  /** The Slack workspace (T...) and app (A...) the bot serves, when not in the Slack secret. */
  slackTeamId?: string;
  slackAppId?: string;
  adminUserIds?: string;
  adminUsergroupId?: string;
  autoDisable?: boolean;
  /** The profile of aws-key canaries minted without --profile (README, Canary profiles). */
  canaryProfile?: 'deny-all' | 'quiet';
  xray?: boolean;
  /** Decoy kinds beyond access keys whose detection to deploy. */
  decoys?: Array<'s3' | 'ecr'>;
  /** Who hears when the pipeline breaks (at least one of the two). */
  ops: OpsSettings;
  /** Reserved concurrency: the alert function's floor (and ceiling), the slack function's cap. 0: none. */
  alertConcurrency?: number;
  slackConcurrency?: number;
  jobsConcurrency?: number;
  auditConcurrency?: number;
  /** A daily test call with every canary that opted in to /canary test (bot/heartbeat.ts). */
  heartbeat?: boolean;
  /** Create a multi-region trail recording management events, instead of requiring one. */
  createTrail?: boolean;
  /** Organization mode (-c organization=o-...): canaries in the organization's accounts (infra/organization.ts). */
  organization?: Pick<OrganizationSettings, 'organizationId' | 'ous' | 'callAs'>;
}

/**
 * The home region: table, secret, the three Lambdas, the alert topic/queue/DLQ, alarms, and the
 * detection rule on the default bus. Forwarding stacks in the other regions send their matches
 * to this region's default bus, where the same rule picks them up.
 */
export class CanaryBotStack extends Stack {
  readonly topic: sns.Topic;
  readonly detectionRule: events.Rule;

  constructor(scope: Construct, id: string, props: StackProps & { settings: BotSettings }) {
    super(scope, id, props);
    const s = props.settings;
    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    const acks = (scopes: Construct[], id: string, reason: string) => scopes.forEach((c) => ack(c, id, reason));

    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The list indexes (bot/store/schema.ts). CloudFormation creates one GSI per stack update, so
    // a table deployed before gsi2 and gsi3 gains them in two deploys: `-c listIndexes=2` (gsi1 and
    // gsi2) first, then without it. Meanwhile the bot reads the missing one's filters from gsi1.
    const declared = Number(this.node.tryGetContext('listIndexes') ?? INDEXES.length);
    for (const index of INDEXES.slice(0, Math.max(1, Math.min(INDEXES.length, declared || INDEXES.length))))
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partition, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sort, type: dynamodb.AttributeType.STRING },
      });

    const secret = new secretsmanager.Secret(this, 'SlackSecret', {
      description: 'aws-canary-bot Slack credentials: {"signingSecret": "...", "botToken": "xoxb-...", "teamId": "T...", "appId": "A..."}',
    });

    // A customer managed key: EventBridge and CloudWatch alarms can publish to the encrypted topic
    // only if the key policy lets them, which an AWS managed key's policy never does. Each service
    // may use it only for this stack's two topics (SNS names the topic in the encryption context,
    // aws:sns:topicArn). Which rules and alarms may publish is the topics' policies' job
    // (aws:SourceArn, aws:SourceAccount): SNS's docs do not support those keys in the key policy
    // for these publishers, and a condition the request lacks would drop every alert.
    const key = new kms.Key(this, 'AlertKey', { enableKeyRotation: true, description: 'aws-canary-bot alert topic' });
    const topicArns = [
      `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.stackName}-AlertTopic*`,
      `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${OPS_TOPIC_NAME}`,
    ];
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          principals: [new iam.ServicePrincipal(service)],
          resources: ['*'],
          conditions: { StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': topicArns } },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'AlertTopic', { masterKey: key, enforceSSL: true, displayName: 'aws-canary-bot alerts' });
    allowDetectionRulesToPublish(this.topic);

    const dlq = new sqs.Queue(this, 'AlertDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const alertTimeout = Duration.seconds(60);
    const queue = new sqs.Queue(this, 'AlertQueue', {
      queueName: ALERT_QUEUE_NAME,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(alertTimeout.toSeconds() * 6), // AWS's advice for Lambda sources
      deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
    });
    this.topic.addSubscription(new subs.SqsSubscription(queue)); // raw delivery off: the handler unwraps
    // Operations: alarms go to the ops topic (a person, and the bot through the alert queue), and
    // to a pager topic if one is given. Every region's ops topic delivers to this queue.
    const ops = createOpsTopic(this, s.ops, key);
    ops.addSubscription(new subs.SqsSubscription(queue));
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OpsTopicsOfEveryRegion',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:sns:*:${Aws.ACCOUNT_ID}:${OPS_TOPIC_NAME}` } },
      }),
    );
    // A topic in an opt-in region delivers as its regional SNS principal (SNS's cross-region docs).
    const optIn = s.regions.filter((r) => !DEFAULT_REGIONS.includes(r));
    if (optIn.length)
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OpsTopicsOfOptInRegions',
          principals: optIn.map((r) => new iam.ServicePrincipal(`sns.${r}.amazonaws.com`)),
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:sns:*:${Aws.ACCOUNT_ID}:${OPS_TOPIC_NAME}` } },
        }),
      );
    const alarmTopics: sns.ITopic[] = [
      ops,
      ...(s.ops.pagerTopicArn ? [sns.Topic.fromTopicArn(this, 'PagerTopic', s.ops.pagerTopicArn)] : []),
    ];

    const common = {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromAsset(s.handlersDir),
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: s.xray ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    };
    const environment: Record<string, string> = {
      SLACK_SECRET_ARN: secret.secretArn,
      ALERT_CHANNEL_ID: s.alertChannelId,
      CANARY_TABLE: table.tableName,
      CANARY_USER_PATH: s.userPath,
      AUTO_DISABLE: String(s.autoDisable ?? false),
      CANARY_PROFILE: s.canaryProfile ?? 'deny-all',
      DETECTION_RULE_NAME,
      CANARY_REGIONS: s.regions.join(','),
      ALERT_DLQ_URL: dlq.queueUrl,
      POWERTOOLS_SERVICE_NAME: 'aws-canary-bot',
      NODE_OPTIONS: '--enable-source-maps',
      SELF_TEST_SECRET_PREFIX: s.selfTestSecretPrefix,
      ...(s.slackTeamId ? { SLACK_TEAM_ID: s.slackTeamId } : {}),
      ...(s.slackAppId ? { SLACK_APP_ID: s.slackAppId } : {}),
      ...(s.adminUserIds ? { ADMIN_USER_IDS: s.adminUserIds } : {}),
      ...(s.adminUsergroupId ? { ADMIN_USERGROUP_ID: s.adminUsergroupId } : {}),
    };
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });

    // A failed job (thrown, timed out) goes to the alert queue as a destination record, where the
    // alert handler releases the claim it held and tells the channel (bot/job-failure.ts). No
    // retries: a job runs once per jobId anyway, and the person who pressed is there to retry.
    // Reserved concurrency for every function: the public endpoint is capped, detection keeps a
    // floor of its own, and a flood of requests to the Function URL (or a loop of jobs) cannot take
    // the account's concurrency from the rest. A throttled async job or audit waits in Lambda's
    // queue and is retried; the -c ...Concurrency settings take 0 for accounts with a small limit.
    const reserve = (n: number | undefined, fallback: number) =>
      (n ?? fallback) > 0 ? { reservedConcurrentExecutions: n ?? fallback } : {};
    const jobs = new lambda.Function(this, 'JobsFunction', {
      ...common,
      ...reserve(s.jobsConcurrency, 5),
      handler: 'jobs.handler',
      memorySize: 512,
      timeout: Duration.seconds(120),
      environment: { ...environment, ALERT_QUEUE_URL: queue.queueUrl },
      logGroup: logGroup('Jobs'),
      retryAttempts: 0,
      onFailure: new destinations.SqsDestination(queue),
    });
    // Slack's 3 s include the cold start: more memory is more CPU for Bolt's initialisation.
    const slack = new lambda.Function(this, 'SlackFunction', {
      ...common,
      ...reserve(s.slackConcurrency, 10),
      handler: 'slack.handler',
      memorySize: 1024,
      timeout: Duration.seconds(10),
      environment: { ...environment, JOBS_FUNCTION_NAME: jobs.functionName },
      logGroup: logGroup('Slack'),
    });
    const alert = new lambda.Function(this, 'AlertFunction', {
      ...common,
      ...reserve(s.alertConcurrency, 10),
      handler: 'alert.handler',
      memorySize: 512,
      timeout: alertTimeout,
      environment: { ...environment, ALERT_QUEUE_URL: queue.queueUrl },
      logGroup: logGroup('Alert'),
    });
    const audit = new lambda.Function(this, 'AuditFunction', {
      ...common,
      ...reserve(s.auditConcurrency, 5),
      handler: 'audit.handler',
      memorySize: 512,
      timeout: Duration.minutes(5),
      environment: { ...environment, ALERT_TOPIC_ARN: this.topic.topicArn },
      logGroup: logGroup('Audit'),
    });
    // The self-checks' work items (bot/checks/work.ts): FIFO, one message group per account, so one
    // account's items run one at a time at its pace; the event source bounds the accounts at once.
    // An item that fails five times waits in the DLQ, whose alarm names it.
    const checkDlq = new sqs.Queue(this, 'CheckDlq', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const checkQueue = new sqs.Queue(this, 'CheckQueue', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Above the audit function's 5 minutes, so a running item is never handed out twice; well
      // under AWS's "six times the timeout" advice, because a FIFO group waits for its failed item
      // to come back and a silent-use pass has 20 minutes.
      visibilityTimeout: Duration.minutes(6),
      retentionPeriod: Duration.days(2),
      deadLetterQueue: { queue: checkDlq, maxReceiveCount: 5 },
    });
    audit.addEventSource(new SqsEventSource(checkQueue, { batchSize: 1, maxConcurrency: 4, reportBatchItemFailures: true }));
    for (const fn of [audit, jobs]) {
      checkQueue.grantSendMessages(fn);
      fn.addEnvironment('CHECK_QUEUE_URL', checkQueue.queueUrl);
    }
    // Daily audit, and the silent-use net every five minutes (one IAM read per active canary).
    const rules: Array<[string, events.Rule]> = [];
    rules.push([
      'DailyAudit',
      new events.Rule(this, 'DailyAudit', {
        schedule: events.Schedule.cron({ minute: '17', hour: '6' }),
        targets: [new targets.LambdaFunction(audit, { event: events.RuleTargetInput.fromObject({ task: 'daily' }) })],
      }),
    ]);
    rules.push([
      'SilentUsePoll',
      new events.Rule(this, 'SilentUsePoll', {
        schedule: events.Schedule.rate(Duration.minutes(5)),
        targets: [new targets.LambdaFunction(audit, { event: events.RuleTargetInput.fromObject({ task: 'silent-use' }) })],
      }),
    ]);
    // The audit's reads, daily and for /canary audit (which runs in jobs).
    for (const fn of [audit, jobs]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['events:DescribeRule', 'events:ListTargetsByRule'],
          resources: [DETECTION_RULE_NAME, FORWARD_RULE_NAME, GUARD_RULE_NAME, GUARD_FORWARD_RULE_NAME].map(
            (name) => `arn:${Aws.PARTITION}:events:*:${Aws.ACCOUNT_ID}:rule/${name}`,
          ),
        }),
      );
      // Any account's trails: an organization trail covering this account is the management
      // account's (its ARN names that account), and the audit reads its status where AWS lets it.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
          resources: [`arn:${Aws.PARTITION}:cloudtrail:*:*:trail/*`],
        }),
      );
      // Neither has resource-level permissions: which trails exist, which regions are enabled.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudtrail:DescribeTrails', 'account:ListRegions'], resources: ['*'] }));
      dlq.grant(fn, 'sqs:GetQueueAttributes');
    }

    // No batching window: the poller hands over a message as soon as it arrives, so the first call
    // of a quiet canary reaches Slack in about a second, not after a window fills. Batches of 10
    // (the most SQS returns per receive, and the most Lambda allows without a window). A flood
    // still folds into one thread: Slack updates are throttled per incident from stored state
    // (ALERT_UPDATE_SECONDS), not by the batch, so more, smaller batches add invocations (about
    // 1,000 for 10,000 calls, cents) but no Slack messages.
    // At most five batches at once (the event source's own cap, under the function's reserved
    // concurrency so the poller is never throttled into the DLQ): a flood's Lambdas contend for
    // one incident item, and more of them only means more transaction conflicts.
    alert.addEventSource(new SqsEventSource(queue, { batchSize: 10, maxConcurrency: 5, reportBatchItemFailures: true }));
    // The sweep: an incident Slack never heard of (an outage longer than the queue's retries) is
    // posted within five minutes, without waiting for the attacker's next call.
    rules.push([
      'AlertSweep',
      new events.Rule(this, 'AlertSweep', {
        schedule: events.Schedule.rate(Duration.minutes(5)),
        targets: [new targets.SqsQueue(queue, { message: events.RuleTargetInput.fromObject({ type: 'sweep' }) })],
      }),
    ]);
    queue.grantSendMessages(alert); // delayed flushes of throttled Slack updates
    // /canary redrive: the slack function reads the DLQ's depth, the jobs function moves messages.
    dlq.grant(slack, 'sqs:GetQueueAttributes');
    dlq.grantConsumeMessages(jobs);
    queue.grantSendMessages(jobs);
    jobs.grantInvoke(slack);
    for (const fn of [slack, jobs, alert, audit]) {
      table.grantReadWriteData(fn);
      secret.grantRead(fn);
    }
    // IAM: one set per function, each only what it does (infra/bot-policy.ts); slack has none.
    const iamScope = { partition: Aws.PARTITION, account: Aws.ACCOUNT_ID, userPath: s.userPath };
    for (const [fn, name] of [
      [jobs, 'jobs'],
      [alert, 'alert'],
      [audit, 'audit'],
    ] as const) {
      for (const st of botIamStatements(iamScope, name)) fn.addToRolePolicy(iam.PolicyStatement.fromJson(st));
    }
    // /canary test (opt-in at mint): the jobs function keeps, replaces and deletes copies of canary
    // keys under one name prefix; the audit deletes them when it retires an expired canary.
    // Exactly the bot's names: the prefix, 12 random hex characters, and Secrets Manager's 6-character
    // suffix (`?` is one character in IAM ARNs), not any real secret kept under a plausible prefix.
    const selfTestSecrets = `arn:${Aws.PARTITION}:secretsmanager:${this.region}:${Aws.ACCOUNT_ID}:secret:${s.selfTestSecretPrefix}${'?'.repeat(SELF_TEST_NAME_LENGTH)}-??????`;
    jobs.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:GetSecretValue',
          'secretsmanager:DeleteSecret',
        ],
        resources: [selfTestSecrets],
      }),
    );
    audit.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DeleteSecret', ...(s.heartbeat ? ['secretsmanager:GetSecretValue'] : [])],
        resources: [selfTestSecrets],
      }),
    );
    if (s.heartbeat) {
      rules.push([
        'Heartbeat',
        new events.Rule(this, 'Heartbeat', {
          schedule: events.Schedule.cron({ minute: '47', hour: '5' }),
          targets: [new targets.LambdaFunction(audit, { event: events.RuleTargetInput.fromObject({ task: 'heartbeat' }) })],
        }),
      ]);
    }
    const url = slack.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE }); // Slack's signature is the check

    // Detection: CloudTrail calls by canary users, read-only ones included.
    this.detectionRule = new events.Rule(this, 'DetectionRule', {
      ruleName: DETECTION_RULE_NAME,
      description: 'aws-canary-bot: any API call by an IAM user under the canary path',
      eventPattern: { detailType: [CLOUDTRAIL_API_CALL] },
      // What EventBridge cannot deliver (a KMS or topic policy mistake) waits in the alert DLQ,
      // whose messages /canary redrive moves to the alert queue once the cause is fixed.
      targets: [alertTopicTarget(this.topic, dlq)],
    });
    rules.push(['DetectionRule', this.detectionRule]);
    const cfnRule = this.detectionRule.node.defaultChild as events.CfnRule;
    // Organization mode: the members' forwarded calls too (the bus policy admits the organization only).
    cfnRule.addPropertyOverride(
      'EventPattern',
      s.organization ? organizationEventPattern(s.userPath) : canaryEventPattern(s.userPath, this.account),
    );
    if (s.organization)
      addOrganization(
        this,
        { slack, jobs, alert, audit },
        { ...s.organization, regions: s.regions, homeRegion: this.region, userPath: s.userPath },
      );
    cfnRule.addPropertyOverride('State', RULE_STATE);

    // EventBridge sees "AWS API Call via CloudTrail" events only while a trail logs them. Either
    // the stack creates one, or the deploy refuses without one (bot/deploy-check.ts).
    if (s.createTrail) {
      const trailLogs = new s3.Bucket(this, 'TrailLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      new cloudtrail.Trail(this, 'ManagementTrail', {
        bucket: trailLogs,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        managementEvents: cloudtrail.ReadWriteType.ALL,
        enableFileValidation: true,
      });
      ack(trailLogs, 'AwsSolutions-S1', 'This bucket receives CloudTrail logs; logging its own access would only add noise.');
    } else {
      // Asked at create and whenever the settings below change.
      const check = new CustomResource(this, 'TrailCheck', {
        serviceToken: audit.functionArn,
        serviceTimeout: Duration.minutes(5),
        properties: { regions: s.regions.join(','), userPath: s.userPath },
      });
      // CDK renders ServiceTimeout as a string, which CloudFormation coerces with a warning on every synth.
      (check.node.defaultChild as CfnResource).addPropertyOverride('ServiceTimeout', Duration.minutes(5).toSeconds());
    }

    // Decoys beyond keys (opt-in): one fixed rule each, in the home region where the decoys live.
    const decoyRule = (id: string, ruleName: string, pattern: Record<string, unknown>, what: string) => {
      const rule = new events.Rule(this, id, {
        ruleName,
        description: `aws-canary-bot: ${what}`,
        eventPattern: { detailType: [CLOUDTRAIL_API_CALL] },
        targets: [alertTopicTarget(this.topic, dlq)],
      });
      rules.push([id, rule]);
      const cfn = rule.node.defaultChild as events.CfnRule;
      cfn.addPropertyOverride('EventPattern', pattern);
      cfn.addPropertyOverride('State', RULE_STATE);
    };
    // The guard: IAM changes to any user reach the alert function, which restores a canary's (bot/guard.ts).
    decoyRule('GuardRule', GUARD_RULE_NAME, guardEventPattern(this.account), "changes to users' permissions, for the guard");
    const minters = [jobs, alert, audit];
    if (s.decoys?.includes('s3')) {
      decoyRule('S3DecoyRule', S3_DECOY_RULE_NAME, s3DecoyEventPattern(this.account), 'reads of S3 decoy objects');
      // The trail the bot owns for decoy data events; its selectors list exactly the decoy objects.
      const logs = new s3.Bucket(this, 'DecoyTrailLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const trail = new cloudtrail.Trail(this, 'DecoyTrail', {
        bucket: logs,
        isMultiRegionTrail: false,
        includeGlobalServiceEvents: false,
        enableFileValidation: true,
      });
      // Records nothing until the bot selects decoy objects (bot/kinds/data-events.ts): a selector
      // of data events on a prefix of this trail's own log bucket that nothing reads or writes
      // (a trail must select something, and management events would be a second, billed copy).
      // A later deploy resets this; the audit then reports every S3 decoy as unselected.
      const cfnTrail = trail.node.defaultChild as cloudtrail.CfnTrail;
      cfnTrail.addPropertyOverride('AdvancedEventSelectors', [placeholderSelector(Aws.PARTITION, logs.bucketName)]);
      // CDK writes an empty EventSelectors list too: "You cannot apply both event selectors and
      // advanced event selectors to a trail" (AWS::CloudTrail::Trail), so leave it out.
      cfnTrail.addPropertyDeletionOverride('EventSelectors');
      for (const fn of minters) {
        fn.addEnvironment('DECOY_TRAIL_NAME', trail.trailArn);
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            // GetTrail: the log bucket, for the placeholder selector when the last decoy goes.
            actions: ['cloudtrail:GetEventSelectors', 'cloudtrail:PutEventSelectors', 'cloudtrail:GetTrail'],
            resources: [trail.trailArn],
          }),
        );
        // No s3:GetObject: the bot never reads a decoy (the audit lists the bucket: s3:ListBucket,
        // bot/kinds/s3-object.ts findObject), so no role of it can set off, or hide, a read.
        // Making a decoy is the jobs function's alone; the others may only check and remove one.
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [...(fn === jobs ? ['s3:CreateBucket', 's3:PutObject'] : []), 's3:DeleteBucket', 's3:ListBucket', 's3:DeleteObject'],
            resources: BUCKET_WORDS.flatMap((w) => [`arn:${Aws.PARTITION}:s3:::${w}-*`, `arn:${Aws.PARTITION}:s3:::${w}-*/*`]),
          }),
        );
      }
      ack(logs, 'AwsSolutions-S1', 'This bucket receives CloudTrail logs for decoy objects; logging its own access would only add noise.');
      for (const w of BUCKET_WORDS) {
        acks(
          minters,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${w}-*]`,
          'Decoy buckets the bot creates, named from its own word list.',
        );
        acks(minters, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${w}-*/*]`, 'Objects in the decoy buckets the bot creates.');
      }
    }
    if (s.decoys?.includes('ecr')) {
      decoyRule('EcrDecoyRule', ECR_DECOY_RULE_NAME, ecrDecoyEventPattern(this.account), 'pulls of ECR decoy images');
      const repos = REPOSITORIES.map((r) => `arn:${Aws.PARTITION}:ecr:${this.region}:${Aws.ACCOUNT_ID}:repository/${r}-*`);
      // The push is ECR's own sequence (bot/kinds/ecr-image.ts push): each of its actions takes the
      // repository as resource (Service Authorization Reference; "IAM permissions for pushing an
      // image", image-push-iam.html). No BatchGetImage or GetDownloadUrlForLayer: those are the
      // pulls the decoy rule alerts on, and the bot never makes them.
      // Pushing is the jobs function's alone (mint); the others check and remove decoys.
      const push = [
        'ecr:CreateRepository',
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ];
      for (const fn of minters)
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [...(fn === jobs ? push : []), 'ecr:DeleteRepository', 'ecr:DescribeImages', 'ecr:DescribeRepositories'],
            resources: repos,
          }),
        );
      for (const r of REPOSITORIES)
        acks(
          minters,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:${this.region}:<AWS::AccountId>:repository/${r}-*]`,
          'Decoy repositories the bot creates, named from its own list.',
        );
    }

    // Everything that can drop an alert has an alarm: each says what broke and what to do.
    const alarm = (id: string, metric: cloudwatch.IMetric, what: string, threshold = 0, missing?: cloudwatch.TreatMissingData) =>
      opsAlarm(this, id, metric, what, alarmTopics, threshold, missing);
    const minute = { period: Duration.minutes(1) };
    // SQS may stop sending metrics for a queue nobody touches for six hours: a full DLQ must not turn "OK".
    alarm(
      'DlqDepthAlarm',
      dlq.metricApproximateNumberOfMessagesVisible(minute),
      "Alert messages are waiting in the dead-letter queue: events were not delivered to Slack. Fix the cause (the alert function's logs say it), then /canary redrive.",
      0,
      cloudwatch.TreatMissingData.IGNORE,
    );
    alarm(
      'CheckDlqDepthAlarm',
      checkDlq.metricApproximateNumberOfMessagesVisible(minute),
      "Self-check work items failed five times and wait in the check queue's dead-letter queue: canaries in them were not audited or not read for silent use. The audit function's logs say why; the next runs check them again (redrive the DLQ to retry now).",
      0,
      cloudwatch.TreatMissingData.IGNORE,
    );
    alarm(
      'CheckQueueAgeAlarm',
      checkQueue.metricApproximateAgeOfOldestMessage(minute),
      "A self-check work item has waited over 15 minutes: the audit function is failing or throttled, and the silent-use net falls behind (its 20-minute window). The audit function's logs say why.",
      15 * 60,
      cloudwatch.TreatMissingData.IGNORE,
    );
    alarm(
      'OpsTopicFailuresAlarm',
      ops.metricNumberOfNotificationsFailed(minute),
      "SNS could not deliver a pipeline alarm (to the alert queue, or to the email): check the ops topic's subscriptions and the queue policy.",
    );
    alarm(
      'QueueAgeAlarm',
      queue.metricApproximateAgeOfOldestMessage(minute),
      'An alert has waited on the queue for over five minutes: the alert function is not keeping up or not running. Check its errors, throttles and concurrency.',
      300,
    );
    alarm(
      'AlertTopicFailuresAlarm',
      this.topic.metricNumberOfNotificationsFailed(minute),
      'SNS could not deliver alerts to the alert queue: check the queue policy and the topic key policy.',
    );
    for (const [id, rule] of rules)
      alarm(
        `${id}FailedAlarm`,
        failedInvocations(rule),
        `The EventBridge rule ${id} could not deliver to its target: check the target's resource policy and key policy; undelivered detections wait in the alert DLQ.`,
      );
    for (const [name, fn] of [
      ['Slack', slack],
      ['Jobs', jobs],
      ['Alert', alert],
      ['Audit', audit],
    ] as const) {
      alarm(`${name}ErrorsAlarm`, fn.metricErrors(minute), `The ${name.toLowerCase()} function is failing: read its logs.`);
      alarm(
        `${name}ThrottlesAlarm`,
        fn.metricThrottles(minute),
        `The ${name.toLowerCase()} function is throttled: raise its reserved concurrency or the account's limit.`,
      );
    }

    new CfnOutput(this, 'SlackRequestUrl', {
      value: `${url.url}slack/events`,
      description: 'Request URL for manifest.yml (slash command and interactivity)',
    });
    new CfnOutput(this, 'SlackSecretArn', {
      value: secret.secretArn,
      description: 'Put {"signingSecret": ..., "botToken": ..., "teamId": ..., "appId": ...} here',
    });
    new CfnOutput(this, 'AlertTopicArn', { value: this.topic.topicArn, description: 'Subscribe email or pager here for alerts' });
    new CfnOutput(this, 'OpsTopicArn', { value: ops.topicArn, description: 'Alarms of the pipeline itself; subscribe more people here' });

    // cdk-nag (AwsSolutions) findings accepted on purpose, each with its reason.
    // Each acknowledgement on the resources it excuses, never the whole stack.
    const functions = [slack, jobs, alert, audit];
    acks(
      functions,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Lets each function write its own logs, nothing more.',
    );
    // No AwsSolutions-L1 (latest runtime) acknowledgement: nodejs24.x is the newest Node runtime
    // aws-cdk-lib knows, and the one the tests run on. When a newer one lands, cdk-nag's test fails
    // and the move is a decision, not a silenced finding.
    ack(
      secret,
      'AwsSolutions-SMG4',
      'The secret holds Slack credentials, which only Slack can rotate: there is no rotation Lambda to write.',
    );
    ack(dlq, 'AwsSolutions-SQS3', 'This is the dead-letter queue.');
    acks(
      [jobs, audit],
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${this.region}:<AWS::AccountId>:secret:${s.selfTestSecretPrefix}${'?'.repeat(SELF_TEST_NAME_LENGTH)}-??????]`,
      'Copies of canary keys kept for /canary test, one secret per canary, named by the bot under this prefix.',
    );
    acks(
      [audit, jobs],
      'AwsSolutions-IAM5[Resource::*]',
      'cloudtrail:DescribeTrails and account:ListRegions only, which have no resource-level permissions (the audit checks a trail is logging and every enabled region is forwarded).',
    );
    acks(
      [audit, jobs],
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudtrail:*:*:trail/*]',
      'The audit reads the status and selectors of whichever trail covers the account, an organization trail of the management account included (read-only).',
    );
    acks(
      [audit, jobs],
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:*:<AWS::AccountId>:rule/aws-canary-bot-detect]',
      "The audit reads the bot's own detection rule.",
    );
    acks(
      [audit, jobs],
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:*:<AWS::AccountId>:rule/aws-canary-bot-forward]',
      "The audit reads the bot's own forwarding rule in each region.",
    );
    for (const name of [GUARD_RULE_NAME, GUARD_FORWARD_RULE_NAME])
      acks(
        [audit, jobs],
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:*:<AWS::AccountId>:rule/${name}]`,
        "The audit reads the guard's own rules (home, and the one forwarding IAM's events from us-east-1).",
      );
    acks(
      [jobs, alert, audit],
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user${s.userPath}*]`,
      'Canary users only: the wildcard is the canary path itself, the scope the design asks for.',
    );
    acks(
      functions,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(table.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
      "The table's own indexes (the list indexes), from table.grantReadWriteData.",
    );
    ack(
      slack,
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(jobs.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      "Versions and aliases of the bot's own jobs function, from jobs.grantInvoke.",
    );
  }
}
