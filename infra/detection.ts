/**
 * The one EventBridge pattern of the whole product: CloudTrail API calls made by any IAM user
 * under the canary path. It never changes as canaries come and go (no key ids appended per mint:
 * patterns have a size limit and concurrent mints would race on the rule). The bot's own role
 * acts as an assumed role, never as a user under the path, so its calls never match.
 *
 * Used by the CDK app (home and forwarding rules) and by the sandbox, so there is no copy.
 */
export const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';

/**
 * Without this state, EventBridge drops read-only management events, and sts:GetCallerIdentity
 * (the first thing an attacker runs) never arrives.
 */
export const RULE_STATE = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' as const;

/** The home detection rule; the decoy rules' names start with it too (the alert topic's policy names them by it). */
export const DETECTION_RULE_NAME = 'aws-canary-bot-detect';

/** Forwarding rules have a fixed name in every region, so the audit can find them. */
export const FORWARD_RULE_NAME = 'aws-canary-bot-forward';

/**
 * Pinned to the account it serves, twice (the event's account and the caller's ARN), and to AWS's
 * own sources: PutEvents refuses a custom event whose source starts with "aws."
 * (NotAuthorizedForSourceException), so nobody can forge a CloudTrail event onto the bus to bury
 * a real alert under fakes, and events of other accounts never match.
 */
const AWS_SOURCES = [{ prefix: 'aws.' }];

export function canaryEventPattern(userPath: string, account: string): Record<string, unknown> {
  return {
    source: AWS_SOURCES,
    account: [account],
    'detail-type': [CLOUDTRAIL_API_CALL],
    detail: { userIdentity: { arn: [{ wildcard: `arn:*:iam::${account}:user${userPath}*` }] } },
  };
}

/**
 * Organization mode's home detection rule: the same calls from any account. Only the
 * organization's accounts can put events on the home bus (its policy: aws:PrincipalOrgID), each
 * member forwards only its own account's calls (the pinned pattern above), and nobody can put an
 * "aws." event, so the account need not be pinned here.
 */
export function organizationEventPattern(userPath: string): Record<string, unknown> {
  return {
    source: AWS_SOURCES,
    'detail-type': [CLOUDTRAIL_API_CALL],
    detail: { userIdentity: { arn: [{ wildcard: `arn:*:iam::*:user${userPath}*` }] } },
  };
}

/**
 * The guard's rule (bot/guard.ts): IAM changes that would give a user power or a way in, by anyone,
 * in this account. IAM is global and CloudTrail delivers its events in us-east-1, so the rule there
 * forwards them home (forwarder-stack.ts) and the home rule of this name sends them to the alert
 * topic; the alert function acts only on those naming a canary's user. The name starts with the
 * detection rule's, which the alert topic's policy admits.
 */
export const GUARD_RULE_NAME = 'aws-canary-bot-detect-guard';
export const GUARD_FORWARD_RULE_NAME = 'aws-canary-bot-forward-guard';
export const GUARDED_EVENTS = [
  'AttachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'AddUserToGroup',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'PutUserPermissionsBoundary',
  'DeleteUserPermissionsBoundary',
] as const;

export function guardEventPattern(account: string): Record<string, unknown> {
  return {
    source: ['aws.iam'],
    account: [account],
    'detail-type': [CLOUDTRAIL_API_CALL],
    // Only changes that happened: a refused call changes nothing, and would let anyone make the guard work in a loop.
    detail: { eventSource: ['iam.amazonaws.com'], eventName: [...GUARDED_EVENTS], errorCode: [{ exists: false }] },
  };
}

/**
 * Regions enabled by default in every commercial account. Opt-in regions (af-south-1,
 * ap-east-1, me-south-1, eu-south-1, ...) must be enabled in the account first, then added with
 * `-c regions=...` (see README).
 */
export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
];

/**
 * S3 decoys (opt-in): reads of objects. Only the decoy objects are selected for data events on
 * the bot's trail, so every such event is a decoy being touched; the alert path matches the
 * object to its canary and ignores anything else.
 */
export const S3_DECOY_RULE_NAME = 'aws-canary-bot-detect-s3';

export function s3DecoyEventPattern(account: string): Record<string, unknown> {
  return {
    source: ['aws.s3'],
    account: [account],
    'detail-type': [CLOUDTRAIL_API_CALL],
    detail: { eventSource: ['s3.amazonaws.com'], eventName: ['GetObject', 'HeadObject', 'CopyObject'] },
  };
}

/** ECR decoys (opt-in): image pulls, which CloudTrail logs as API calls. */
export const ECR_DECOY_RULE_NAME = 'aws-canary-bot-detect-ecr';

export function ecrDecoyEventPattern(account: string): Record<string, unknown> {
  return {
    source: ['aws.ecr'],
    account: [account],
    'detail-type': [CLOUDTRAIL_API_CALL],
    detail: { eventSource: ['ecr.amazonaws.com'], eventName: ['BatchGetImage', 'GetDownloadUrlForLayer'] },
  };
}
