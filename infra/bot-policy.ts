import { DENY_ALL_BOUNDARY } from '../bot/kinds/aws-key';

/**
 * The IAM half of the bot role's policy, as plain policy-document statements so the CDK app
 * (PolicyStatement.fromJson) and the tests read the same thing. The bot may touch IAM users only
 * under the canary path, may create one only with the deny-all permissions boundary, and may
 * never give one a password, a group, or a managed policy.
 */
export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export const CANARY_USER_ACTIONS = [
  'iam:GetUser',
  'iam:DeleteUser',
  'iam:TagUser',
  'iam:ListUserTags',
  'iam:PutUserPolicy',
  'iam:GetUserPolicy',
  'iam:DeleteUserPolicy',
  'iam:ListUserPolicies',
  'iam:ListAttachedUserPolicies',
  'iam:ListGroupsForUser',
  'iam:GetLoginProfile',
  'iam:CreateAccessKey',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:ListUsers', // the audit's orphan check, with PathPrefix = the canary path
] as const;

export function canaryUserArn(partition: string, account: string, userPath: string): string {
  return `arn:${partition}:iam::${account}:user${userPath}*`;
}

export function botIamStatements(opts: { partition: string; account: string; userPath: string }): Statement[] {
  const users = canaryUserArn(opts.partition, opts.account, opts.userPath);
  return [
    {
      Sid: 'CreateCanaryUsersOnlyWithDenyAllBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateUser'],
      Resource: users,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': DENY_ALL_BOUNDARY.replace('arn:aws:', `arn:${opts.partition}:`) } },
    },
    { Sid: 'ManageCanaryUsers', Effect: 'Allow', Action: [...CANARY_USER_ACTIONS], Resource: users },
    {
      // Belt and braces: even a later, broader grant cannot let the bot arm a canary with power.
      Sid: 'NeverGiveCanariesPower',
      Effect: 'Deny',
      Action: ['iam:CreateLoginProfile', 'iam:UpdateLoginProfile', 'iam:AddUserToGroup', 'iam:AttachUserPolicy', 'iam:PutUserPermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
      Resource: '*',
    },
  ];
}
