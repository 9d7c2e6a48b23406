import { DENY_ALL_BOUNDARY, REGISTRY_TAG } from '../bot/kinds/aws-key';

/**
 * The IAM half of each function's role, as plain policy-document statements so the CDK app
 * (PolicyStatement.fromJson) and the tests read the same thing. Each function gets only what it
 * does:
 *   alert  (parses attacker-shaped input): read canary users, disable their keys;
 *   audit  (daily checks, silent-use net, expiry): read, and retire expired canaries;
 *   jobs   (mint, rotate, retire, disable, re-arm): all of the canary lifecycle;
 *   slack  (the public endpoint): no IAM at all; it records and hands work to jobs.
 * Every action on users is limited to the canary path. Every one that changes a user also needs
 * the bot's registry tag on it (aws:ResourceTag), so a real user that happens to live under the
 * path is out of reach; creating one needs the tag in the request and either the deny-all boundary
 * or (a quiet canary) no boundary at all. No role may give a canary a password, a group, a managed
 * policy or another boundary; the alert function's guard may only take such grants away.
 */
export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export type BotFunction = 'alert' | 'audit' | 'jobs';

/** What the audit and the alert path read about a canary user. */
const READ = [
  'iam:GetUser',
  'iam:ListUserTags',
  'iam:ListAccessKeys',
  'iam:ListUserPolicies',
  'iam:GetUserPolicy',
  'iam:ListAttachedUserPolicies',
  'iam:ListGroupsForUser',
  'iam:GetLoginProfile',
];
const ALERT_READ = ['iam:GetUser', 'iam:ListAccessKeys'];
const DISABLE = ['iam:UpdateAccessKey'];
const RETIRE = ['iam:DeleteAccessKey', 'iam:DeleteUser'];
/** Inline policies: only on a user whose boundary is the deny-all one (iam:PermissionsBoundary). */
const POLICIES = ['iam:PutUserPolicy', 'iam:DeleteUserPolicy'];
const MINT = ['iam:CreateAccessKey'];
/**
 * What the guard reads and undoes on a canary's user: policies and a console password. Not groups:
 * IAM scopes RemoveUserFromGroup to the group, so it could only be granted on every group, for
 * every user; a canary put in a group has its key disabled instead (bot/guard.ts).
 */
const GUARD_READ = [
  'iam:ListAttachedUserPolicies',
  'iam:ListUserPolicies',
  'iam:GetUserPolicy',
  'iam:ListGroupsForUser',
  'iam:GetLoginProfile',
];
const GUARD_UNDO = ['iam:DetachUserPolicy', 'iam:DeleteUserPolicy', 'iam:DeleteLoginProfile'];

export function canaryUserArn(partition: string, account: string, userPath: string): string {
  return `arn:${partition}:iam::${account}:user${userPath}*`;
}

export const TAGGED = { Null: { [`aws:ResourceTag/${REGISTRY_TAG}`]: 'false' } };

const LIST_USERS: Statement = {
  // ListUsers has no resource type: only "*" grants it. It reveals names and paths, nothing more;
  // the orphan check (daily audit, and /canary audit in jobs) asks with PathPrefix = the canary path.
  Sid: 'ListUsersForTheOrphanCheck',
  Effect: 'Allow',
  Action: ['iam:ListUsers'],
  Resource: '*',
};

const READ_USERS_IN_BULK: Statement = {
  // The audit's bulk read (bot/kinds/aws-key.ts auditMany): users' policies, groups, tags and
  // boundaries, 1,000 a page, two calls a canary instead of six. It has no resource type, so only
  // "*" grants it, and it can read every user's and role's IAM configuration in the account
  // (Filter=User is the bot's choice, not something IAM enforces): read only, and the price of an
  // audit that fits IAM's rate at 5,000 canaries.
  Sid: 'ReadUsersInBulkForTheAudit',
  Effect: 'Allow',
  Action: ['iam:GetAccountAuthorizationDetails'],
  Resource: '*',
};

export function botIamStatements(opts: { partition: string; account: string; userPath: string }, fn: BotFunction): Statement[] {
  const users = canaryUserArn(opts.partition, opts.account, opts.userPath);
  const boundary = DENY_ALL_BOUNDARY.replace('arn:aws:', `arn:${opts.partition}:`);
  const allow = (Sid: string, Action: string[], Condition?: Statement['Condition']): Statement => ({
    Sid,
    Effect: 'Allow',
    Action,
    Resource: users,
    ...(Condition ? { Condition } : {}),
  });
  const statements: Statement[] = [];
  if (fn === 'alert') {
    statements.push(
      allow('ReadCanaryUsers', [...ALERT_READ, ...GUARD_READ]),
      allow('DisableCanaryKeys', DISABLE, TAGGED),
      // The guard (bot/guard.ts) only ever takes power away from a canary it tagged.
      allow('GuardRemovesGrantsFromCanaries', GUARD_UNDO, TAGGED),
    );
  } else if (fn === 'audit') {
    statements.push(
      allow('ReadCanaryUsers', [...READ, 'iam:GetAccessKeyLastUsed']),
      allow('DisableAndRetireCanaries', [...DISABLE, ...RETIRE], TAGGED),
      allow('RemoveDenyAllPolicyOfCanaries', ['iam:DeleteUserPolicy'], { ...TAGGED, ArnEquals: { 'iam:PermissionsBoundary': boundary } }),
      LIST_USERS,
      READ_USERS_IN_BULK,
    );
  } else {
    statements.push(
      {
        Sid: 'CreateCanaryUsersOnlyWithDenyAllBoundaryAndTag',
        Effect: 'Allow',
        Action: ['iam:CreateUser'],
        Resource: users,
        Condition: {
          ArnEquals: { 'iam:PermissionsBoundary': boundary },
          Null: { [`aws:RequestTag/${REGISTRY_TAG}`]: 'false' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [REGISTRY_TAG] },
        },
      },
      // A quiet canary (--profile quiet) has no boundary at all, never another one; the guard keeps it powerless.
      {
        Sid: 'CreateQuietCanaryUsersWithNoBoundaryAndTheTag',
        Effect: 'Allow',
        Action: ['iam:CreateUser'],
        Resource: users,
        Condition: {
          Null: { [`aws:RequestTag/${REGISTRY_TAG}`]: 'false', 'iam:PermissionsBoundary': 'true' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [REGISTRY_TAG] },
        },
      },
      // CreateUser with tags also asks for iam:TagUser: only the registry tag, only on a user that
      // has none yet. No condition tells "at creation" apart, so a compromised jobs function could
      // tag a real, untagged user under the path; it still could not give it a policy (those need
      // the deny-all boundary), only make or delete its keys or delete it. Keep the path for
      // canaries alone: the audit lists every user under it without a record, and the code refuses
      // users it did not tag (bot/kinds/aws-key.ts, ownedUser).
      {
        Sid: 'TagOnlyAtCreation',
        Effect: 'Allow',
        Action: ['iam:TagUser'],
        Resource: users,
        Condition: {
          Null: { [`aws:ResourceTag/${REGISTRY_TAG}`]: 'true', [`aws:RequestTag/${REGISTRY_TAG}`]: 'false' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [REGISTRY_TAG] },
        },
      },
      allow('ReadCanaryUsers', READ),
      allow('MintDisableRotateRetireCanaries', [...MINT, ...DISABLE, ...RETIRE], TAGGED),
      // A user the bot made has the deny-all boundary; a real user someone tagged has not, so even a
      // compromised jobs function cannot give it an inline policy.
      allow('InlinePoliciesOfCanariesOnly', POLICIES, { ...TAGGED, ArnEquals: { 'iam:PermissionsBoundary': boundary } }),
      LIST_USERS,
      READ_USERS_IN_BULK, // /canary audit runs in jobs
      {
        // A canary is named in the account's own style (bot/name-style.ts): mint reads the names of
        // the users and, when they are few, the roles. ListRoles too has no resource type.
        Sid: 'ListRolesForTheNamingStyle',
        Effect: 'Allow',
        Action: ['iam:ListRoles'],
        Resource: '*',
      },
    );
  }
  statements.push({
    // Belt and braces: even a later, broader grant cannot let the bot arm a canary with power.
    Sid: 'NeverGiveCanariesPower',
    Effect: 'Deny',
    Action: [
      'iam:CreateLoginProfile',
      'iam:UpdateLoginProfile',
      'iam:AddUserToGroup',
      'iam:AttachUserPolicy',
      'iam:PutUserPermissionsBoundary',
      'iam:DeleteUserPermissionsBoundary',
    ],
    Resource: '*',
  });
  return statements;
}
