import { describe, expect, it } from 'vitest';
import { evaluate } from '../support/iam/evaluate';
import type { PolicyStatement } from '../support/iam/evaluate';
import { authorizationsOf } from '../support/iam/requests';
import type { Facts } from '../support/iam/requests';
import { botIamStatements } from '../../infra/bot-policy';
import { DENY_ALL_BOUNDARY, REGISTRY_TAG } from '../../bot/kinds/aws-key';

/**
 * The evaluation the integration harness holds every call to (test/support/iam), against the
 * cases IAM's documentation spells out ("Policy evaluation logic", "Condition operators").
 */
describe('IAM policy evaluation, as AWS documents it', () => {
  const user = 'arn:aws:iam::123456789012:user/svc/payments.sync';
  const jobs = botIamStatements({ partition: 'aws', account: '123456789012', userPath: '/svc/' }, 'jobs') as PolicyStatement[];

  it('allows only what a statement names, and an explicit Deny wins over any Allow', () => {
    const st: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      { Sid: 'No', Effect: 'Deny', Action: ['iam:AttachUserPolicy'], Resource: '*' },
    ];
    expect(evaluate(st, { action: 'iam:GetUser', resource: user, context: {} }).effect).toBe('allow');
    expect(evaluate(st, { action: 'iam:attachuserpolicy', resource: user, context: {} })).toEqual({
      effect: 'explicit-deny',
      statement: 'No',
    });
    expect(evaluate([], { action: 'iam:GetUser', resource: user, context: {} }).effect).toBe('implicit-deny');
  });

  it('matches resources with * and ? and case, and NotAction/NotResource by exclusion', () => {
    const st: PolicyStatement[] = [
      { Effect: 'Allow', NotAction: 'iam:Delete*', Resource: 'arn:aws:iam::123456789012:user/svc/?????????????' },
    ];
    expect(evaluate(st, { action: 'iam:GetUser', resource: user, context: {} }).effect).toBe('allow');
    expect(evaluate(st, { action: 'iam:DeleteUser', resource: user, context: {} }).effect).toBe('implicit-deny');
    expect(evaluate(st, { action: 'iam:GetUser', resource: user.toUpperCase(), context: {} }).effect).toBe('implicit-deny');
  });

  it('lets the jobs role create a user only with the deny-all boundary and the registry tag alone', () => {
    const req = (context: Record<string, string | string[]>) => evaluate(jobs, { action: 'iam:CreateUser', resource: user, context });
    const tag = { [`aws:RequestTag/${REGISTRY_TAG}`]: 'x', 'aws:TagKeys': [REGISTRY_TAG] };
    expect(req({ ...tag, 'iam:PermissionsBoundary': DENY_ALL_BOUNDARY }).effect).toBe('allow');
    expect(req({ ...tag }).effect).toBe('allow'); // the quiet profile: no boundary at all
    expect(req({ ...tag, 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' }).effect).toBe('implicit-deny');
    expect(req({ 'iam:PermissionsBoundary': DENY_ALL_BOUNDARY }).effect).toBe('implicit-deny');
    expect(req({ ...tag, 'aws:TagKeys': [REGISTRY_TAG, 'extra'], 'iam:PermissionsBoundary': DENY_ALL_BOUNDARY }).effect).toBe(
      'implicit-deny',
    );
  });

  it("changes only users that carry the bot's tag (Null on aws:ResourceTag), and never arms one", () => {
    const key = (context: Record<string, string>) => evaluate(jobs, { action: 'iam:CreateAccessKey', resource: user, context });
    expect(key({ [`aws:ResourceTag/${REGISTRY_TAG}`]: 'x' }).effect).toBe('allow');
    expect(key({}).effect).toBe('implicit-deny');
    expect(evaluate(jobs, { action: 'iam:AttachUserPolicy', resource: user, context: {} }).effect).toBe('explicit-deny');
  });

  it('treats IfExists and missing keys as IAM does', () => {
    const st: PolicyStatement[] = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEqualsIfExists: { 's3:x': 'a' } } },
    ];
    expect(evaluate(st, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: {} }).effect).toBe('allow');
    expect(evaluate(st, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 's3:x': 'b' } }).effect).toBe('implicit-deny');
    const plain: PolicyStatement[] = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:x': 'a' } } },
    ];
    expect(evaluate(plain, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: {} }).effect).toBe('implicit-deny');
  });

  it('refuses to guess: an operator it cannot evaluate throws', () => {
    const st: PolicyStatement[] = [
      { Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } },
    ];
    expect(() => evaluate(st, { action: 's3:GetObject', resource: '*', context: {} })).toThrow(/cannot evaluate the condition operator/);
  });
});

describe('what IAM authorizes for an SDK call', () => {
  const facts: Facts = {
    user: async (_a, name) => (name === 'known' ? { path: '/svc/', tags: { t: 'v' } } : undefined),
    keyOwner: async () => 'known',
    secretArn: async () => undefined,
  };
  const call = (serviceId: string, command: string, input: Record<string, unknown>) =>
    authorizationsOf({ serviceId, command, input, region: 'us-east-1', account: '123456789012' }, facts);

  it('names a user with its path, and one it cannot find without (so a path-scoped grant does not cover it)', async () => {
    expect((await call('IAM', 'GetUser', { UserName: 'known' }))[0]!.resource).toBe('arn:aws:iam::123456789012:user/svc/known');
    expect((await call('IAM', 'GetUser', { UserName: 'gone' }))[0]!.resource).toBe('arn:aws:iam::123456789012:user/gone');
    expect((await call('IAM', 'GetAccessKeyLastUsed', { AccessKeyId: 'AKIA' }))[0]!.resource).toBe(
      'arn:aws:iam::123456789012:user/svc/known',
    );
  });

  it('asks for iam:TagUser too when CreateUser carries tags, and per item for a transaction', async () => {
    const create = await call('IAM', 'CreateUser', { UserName: 'n', Path: '/svc/', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(create.map((a) => a.action)).toEqual(['iam:CreateUser', 'iam:TagUser']);
    const tx = await call('DynamoDB', 'TransactWriteItems', {
      TransactItems: [{ Put: { TableName: 't' } }, { ConditionCheck: { TableName: 't' } }],
    });
    expect(tx.map((a) => a.action)).toEqual(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
  });

  it('maps operations whose action has another name, and fails on one AWS does not have', async () => {
    expect((await call('S3', 'HeadObject', { Bucket: 'b', Key: 'k' }))[0]).toMatchObject({
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::b/k',
    });
    expect((await call('S3', 'ListObjectsV2', { Bucket: 'b', Prefix: 'k' }))[0]).toMatchObject({
      action: 's3:ListBucket',
      resource: 'arn:aws:s3:::b',
    });
    expect(await call('STS', 'GetCallerIdentity', {})).toEqual([]);
    await expect(call('SQS', 'SendMessageBatchy', { QueueUrl: 'https://x/123456789012/q' })).rejects.toThrow(/made up the action/);
  });
});
