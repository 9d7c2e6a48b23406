import { isCanaryPath } from './names';
import { ConfigError } from './errors';
import * as z from 'zod/mini';

/**
 * The one place that reads the environment. Every handler calls loadConfig() at module scope so
 * a bad deployment fails on its first cold start with one line naming the variable, instead of
 * half-working until a responder presses a button.
 *
 * zod/mini rather than zod: the same validation at 16 KiB instead of 450 KiB in every bundle,
 * which every cold start would parse.
 */

const slackId = (prefix: string) =>
  z.string().check(z.regex(new RegExp(`^[${prefix}][A-Z0-9]{2,}$`), `must be a Slack id starting with ${prefix.split('').join(' or ')}`));

const idList = z.pipe(
  z.pipe(
    z.string(),
    z.transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  ),
  z.array(slackId('UW')),
);

// IAM paths are /.../ with printable ASCII. "/" alone is refused: the bot's IAM permissions are
// scoped to this path, and the root path would scope them to every user in the account.
const iamPath = z.string().check(
  z.refine((p) => p !== '/', 'must be a dedicated path such as /svc/, not /'),
  z.refine((p) => p === '/' || isCanaryPath(p), 'must look like /svc/: segments of letters, digits and + = , . @ _ -, each ended by /'),
);

const schema = z.object({
  SLACK_SIGNING_SECRET: z.string().check(z.minLength(8, 'must be the app signing secret')),
  SLACK_BOT_TOKEN: z.string().check(z.regex(/^xoxb-[\w-]+$/, 'must be a bot token starting with xoxb-')),
  // The one workspace and app this bot serves: requests and response_urls naming any other are refused.
  // Required by the slack and jobs handlers only (requireSlackIdentity), so that an upgrade whose
  // secret lacks them yet keeps detection running while the endpoint says what is missing.
  SLACK_TEAM_ID: z.optional(slackId('T')),
  SLACK_APP_ID: z.optional(slackId('A')),
  SLACK_API_URL: z.optional(
    z.pipe(
      z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      z.transform((u) => (u.endsWith('/') ? u : `${u}/`)),
    ),
  ),
  ALERT_CHANNEL_ID: slackId('CGD'),
  CANARY_TABLE: z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
  CANARY_USER_PATH: z._default(iamPath, '/svc/'),
  ADMIN_USER_IDS: z._default(idList, []),
  ADMIN_USERGROUP_ID: z.optional(slackId('S')),
  JOBS_FUNCTION_NAME: z.optional(z.string().check(z.minLength(1))),
  AUTO_DISABLE: z._default(
    z.pipe(
      z.enum(['true', 'false']),
      z.transform((v) => v === 'true'),
    ),
    false,
  ),
  /** The profile of aws-key canaries minted without --profile (model/job.ts mintOptions). */
  CANARY_PROFILE: z._default(z.enum(['deny-all', 'quiet']), 'deny-all'),
  DETECTION_RULE_NAME: z._default(z.string().check(z.regex(/^[\w.-]{1,64}$/, 'must be an EventBridge rule name')), 'aws-canary-bot-detect'),
  ALERT_TOPIC_ARN: z.optional(z.string().check(z.regex(/^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN'))),
  CANARY_REGIONS: z._default(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((s) =>
          s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ),
      z.array(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must list AWS regions such as us-east-1,eu-west-1'))),
    ),
    [],
  ),
  SILENT_USE_GRACE_SECONDS: z._default(
    z.pipe(z.string().check(z.regex(/^\d{1,5}$/, 'must be a whole number of seconds')), z.transform(Number)),
    900,
  ),
  DECOY_TRAIL_NAME: z.optional(z.string().check(z.regex(/^[\w.:/-]{3,256}$/, 'must be a CloudTrail trail name or ARN'))),
  ALERT_QUEUE_URL: z.optional(z.url({ protocol: /^https?$/, error: 'must be the alert queue URL' })),
  // How often the silent-use net starts a pass over an account's keys (bot/checks/silent-sweep.ts).
  SILENT_USE_EVERY_SECONDS: z._default(
    z.pipe(z.string().check(z.regex(/^\d{1,4}$/, 'must be a whole number of seconds')), z.transform(Number)),
    900,
  ),
  // The self-checks' work items (bot/checks/work.ts); unset, they run in process with the same bounds.
  CHECK_QUEUE_URL: z.optional(z.url({ protocol: /^https?$/, error: "must be the self-checks' work queue URL" })),
  // IAM, STS and Organizations calls a second per account that the self-checks allow themselves (bot/checks/pace.ts).
  IAM_CALLS_PER_SECOND: z._default(
    z.pipe(z.string().check(z.regex(/^\d{1,3}(\.\d+)?$/, 'must be a number of calls a second, such as 8')), z.transform(Number)),
    8,
  ),
  ALERT_DLQ_URL: z.optional(z.url({ protocol: /^https?$/, error: "must be the alert queue's dead-letter queue URL" })),
  // Where --self-test keeps a canary's key: a prefix like any application's secrets, so that the
  // names say nothing of canaries. The CDK app scopes the bot's Secrets Manager access to it.
  SELF_TEST_SECRET_PREFIX: z._default(
    z.string().check(z.regex(/^[\w+=.@-]+(\/[\w+=.@-]+)*\/$/, 'must be a secret name prefix ending in /, such as app/credentials/')),
    'app/credentials/',
  ),
  ALERT_UPDATE_SECONDS: z._default(
    z.pipe(z.string().check(z.regex(/^\d{1,4}$/, 'must be a whole number of seconds')), z.transform(Number)),
    10,
  ),
  // Organization mode (README "Many accounts"): canaries may live in the organization's other
  // accounts, reached through the member role the StackSet puts in each.
  ORGANIZATION_ID: z.optional(z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id, o-xxxxxxxxxx'))),
  MEMBER_ROLE_NAME: z._default(z.string().check(z.regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name')), 'aws-canary-bot-member-jobs'),
  HOME_ACCOUNT_ID: z.optional(z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'))),
  AWS_REGION: z._default(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')), 'us-east-1'),
});

export interface Config {
  signingSecret: string;
  botToken: string;
  /** The workspace (T...) and app (A...) this bot serves; the slack and jobs handlers require them. */
  teamId: string | undefined;
  appId: string | undefined;
  /** Base URL of the Slack Web API, with a trailing slash; undefined means slack.com. */
  slackApiUrl: string | undefined;
  alertChannelId: string;
  table: string;
  userPath: string;
  adminUserIds: readonly string[];
  adminUsergroupId: string | undefined;
  jobsFunctionName: string | undefined;
  /** aws-key canaries minted without --profile get this one. */
  defaultProfile: 'deny-all' | 'quiet';
  /** Disable a canary's key on its first alert (a canary's own autoDisable overrides). */
  autoDisable: boolean;
  /** The home detection rule, checked by the audit (the CDK app sets it; forwarders are named FORWARD_RULE_NAME). */
  detectionRuleName: string;
  /** Where the detection rule must deliver, checked by the audit. */
  alertTopicArn: string | undefined;
  /** Regions whose forwarding rules the audit checks (all but the home region). */
  regions: readonly string[];
  /** How old an unexplained GetAccessKeyLastUsed must be before it counts as silent use (CloudTrail lags). */
  silentUseGraceSeconds: number;
  checkQueueUrl: string | undefined;
  silentUseEverySeconds: number;
  iamCallsPerSecond: number;
  /** The trail the bot owns for S3 decoys' data events (advanced event selectors). */
  decoyTrailName: string | undefined;
  /** The alert handler's own queue, for delayed flushes of throttled Slack updates. */
  alertQueueUrl: string | undefined;
  /** The alert queue's dead-letter queue, whose depth the audit reports. */
  alertDlqUrl: string | undefined;
  /** Name prefix of the self-test copies of canary keys in Secrets Manager. */
  selfTestSecretPrefix: string;
  /** At most one thread summary and parent update per incident per this many seconds. */
  alertUpdateSeconds: number;
  /** Set in organization mode: canaries may then live in the organization's member accounts. */
  organizationId: string | undefined;
  /** The account the bot runs in; canaries without an account live here. */
  homeAccountId: string | undefined;
  /** The member role this function assumes in member accounts (one per function, each with only what it does). */
  memberRoleName: string;
  region: string;
}

/** Empty strings count as unset: CloudFormation and shells both produce them for "no value". */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') out[key] = v.trim();
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(present(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const why = issue.code === 'invalid_type' && issue.input === undefined ? 'is required but not set' : issue.message;
    // Never echo the value: several of these variables are secrets.
    throw new ConfigError(`Configuration error: ${name} ${why}`);
  }
  const c = parsed.data;
  if (c.ADMIN_USER_IDS.length === 0 && !c.ADMIN_USERGROUP_ID) {
    throw new ConfigError('Configuration error: ADMIN_USER_IDS or ADMIN_USERGROUP_ID must be set, or nobody can mint or triage');
  }
  if (c.ORGANIZATION_ID && !c.HOME_ACCOUNT_ID) {
    throw new ConfigError('Configuration error: HOME_ACCOUNT_ID is required with ORGANIZATION_ID (the account the bot runs in)');
  }
  return {
    signingSecret: c.SLACK_SIGNING_SECRET,
    botToken: c.SLACK_BOT_TOKEN,
    teamId: c.SLACK_TEAM_ID,
    appId: c.SLACK_APP_ID,
    slackApiUrl: c.SLACK_API_URL,
    alertChannelId: c.ALERT_CHANNEL_ID,
    table: c.CANARY_TABLE,
    userPath: c.CANARY_USER_PATH,
    adminUserIds: c.ADMIN_USER_IDS,
    adminUsergroupId: c.ADMIN_USERGROUP_ID,
    jobsFunctionName: c.JOBS_FUNCTION_NAME,
    defaultProfile: c.CANARY_PROFILE,
    autoDisable: c.AUTO_DISABLE,
    alertQueueUrl: c.ALERT_QUEUE_URL,
    alertDlqUrl: c.ALERT_DLQ_URL,
    decoyTrailName: c.DECOY_TRAIL_NAME,
    detectionRuleName: c.DETECTION_RULE_NAME,
    alertTopicArn: c.ALERT_TOPIC_ARN,
    regions: c.CANARY_REGIONS,
    silentUseGraceSeconds: c.SILENT_USE_GRACE_SECONDS,
    checkQueueUrl: c.CHECK_QUEUE_URL,
    silentUseEverySeconds: c.SILENT_USE_EVERY_SECONDS,
    iamCallsPerSecond: c.IAM_CALLS_PER_SECOND > 0 ? c.IAM_CALLS_PER_SECOND : 8,
    alertUpdateSeconds: c.ALERT_UPDATE_SECONDS,
    selfTestSecretPrefix: c.SELF_TEST_SECRET_PREFIX,
    organizationId: c.ORGANIZATION_ID,
    homeAccountId: c.HOME_ACCOUNT_ID,
    memberRoleName: c.MEMBER_ROLE_NAME,
    region: c.AWS_REGION,
  };
}

/** For the handlers that talk to Slack on a request's behalf (slack, jobs): the ids must be set. */
export function requireSlackIdentity(config: Config): { teamId: string; appId: string } {
  for (const [name, value] of [
    ['SLACK_TEAM_ID', config.teamId],
    ['SLACK_APP_ID', config.appId],
  ] as const) {
    if (!value)
      throw new ConfigError(`Configuration error: ${name} is required but not set (in AWS: add "teamId" and "appId" to the Slack secret)`);
  }
  return { teamId: config.teamId!, appId: config.appId! };
}
