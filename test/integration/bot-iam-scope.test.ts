import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsKey, removeUser } from '../../bot/kinds/aws-key';
import { TAGGED, botIamStatements, canaryUserArn } from '../../infra/bot-policy';
import { recordIamRequests } from '../support/aws-spy';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/** The bot's own IAM use can touch only users under the canary path. */
describe('the bot touches only IAM users it made, under the canary path, each function with only what it does', () => {
  let h: Harness;
  let calls: ReturnType<typeof recordIamRequests>;
  beforeAll(async () => {
    h = await startHarness();
    calls = recordIamRequests(h.slack.runtime.aws.iam);
  });
  afterAll(() => h.close());

  it('refuses to delete a user outside the path, even when a record points at it', async () => {
    const name = `alice-${h.table}`;
    await h.iam.send(new CreateUserCommand({ UserName: name, Path: '/' }));
    await expect(removeUser(h.slack.runtime.aws.iam, h.userPath, name, 'cxxxxxx')).rejects.toThrow(/not under/);
    const tampered = {
      id: 'cxxxxxx',
      kind: 'aws-key',
      location: 'x',
      owner: 'U1',
      createdAt: '',
      createdBy: 'U1',
      status: 'active' as const,
      aliases: ['AKIA'],
      resource: { userName: name },
    };
    await expect(awsKey.retire(h.slack.runtime, tampered)).rejects.toThrow(/not under/);
    expect((await h.iam.send(new GetUserCommand({ UserName: name }))).User?.UserName).toBe(name);
  });

  it('refuses to rotate, retire or disable a user under the path that it did not make, and changes nothing', async () => {
    const name = `svc-reporting-${h.table}`.slice(0, 60);
    await h.iam.send(new CreateUserCommand({ UserName: name, Path: h.userPath })); // a real user, no registry tag
    const { AccessKey } = await h.iam.send(new CreateAccessKeyCommand({ UserName: name }));
    await h.store.putNewCanary({
      id: 'creal01',
      kind: 'aws-key',
      location: 'tampered',
      owner: 'U0ADMIN1',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN1',
      status: 'active',
      aliases: [AccessKey!.AccessKeyId!],
      resource: { userName: name, accessKeyId: AccessKey!.AccessKeyId! },
    });
    const { responseUrl } = await h.command('rotate creal01');
    await h.settle();
    const reply = h.standin.calls
      .filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!))
      .map((c) => JSON.stringify(c.args))
      .join('\n');
    expect(reply).toMatch(/Could not rotate.*the bot did not make it/);
    const ctx = h.slack.runtime;
    const record = {
      id: 'creal01',
      kind: 'aws-key',
      location: 'x',
      owner: 'U1',
      createdAt: '',
      createdBy: 'U1',
      status: 'active' as const,
      aliases: [],
      resource: { userName: name, accessKeyId: AccessKey!.AccessKeyId! },
    };
    await expect(awsKey.retire(ctx, record)).rejects.toThrow(/did not make it/);
    await expect(awsKey.disable!(ctx, record)).rejects.toThrow(/did not make it/);
    expect((await awsKey.audit(ctx, record)).map((f) => f.problem).join()).toMatch(/does not carry the bot's registry-id tag/);
    const keys = (await h.iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => [k.AccessKeyId, k.Status])).toEqual([[AccessKey!.AccessKeyId, 'Active']]);
  });

  it('needs no IAM action beyond what its function is granted, on no resource outside the path', async () => {
    calls.length = 0;
    await h.command('new laptop-42');
    await h.settle();
    const [rec] = (await h.store.allCanaries()).filter((i) => i.location === 'laptop-42');
    const ctx = h.slack.runtime;
    const canary = rec as unknown as Parameters<typeof awsKey.audit>[1];
    const allowed = (fn: 'jobs' | 'alert' | 'audit') =>
      new Set(
        botIamStatements({ partition: 'aws', account: '123456789012', userPath: h.userPath }, fn)
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => s.Action),
      );
    const used = () => new Set(calls.splice(0).map((c) => `iam:${c.command.replace(/Command$/, '')}`));
    const minted = used(); // the jobs function
    // The names in the account first (ListUsers, and ListRoles when users are few), to name the canary in their style.
    expect([...minted].filter((a) => a !== 'iam:ListRoles').sort()).toEqual([
      'iam:CreateAccessKey',
      'iam:CreateUser',
      'iam:ListUsers',
      'iam:PutUserPolicy',
    ]);
    for (const action of minted) expect(allowed('jobs'), action).toContain(action);
    expect(await awsKey.audit(ctx, canary)).toEqual([]); // the audit function
    for (const action of used()) expect(allowed('audit'), action).toContain(action);
    expect(await awsKey.disable!(ctx, canary)).toBe('disabled'); // the alert function's containment
    for (const action of used()) expect(allowed('alert'), action).toContain(action);
    await awsKey.retire(ctx, canary); // retire: jobs, and the audit for expired canaries
    for (const action of used()) {
      expect(allowed('jobs'), action).toContain(action);
      expect(allowed('audit'), action).toContain(action);
    }
  });

  it('gives each function only its own actions, every change on a tagged user, creation only with the boundary and the tag', () => {
    const scope = { partition: 'aws', account: '123456789012', userPath: '/svc/' };
    const users = canaryUserArn('aws', '123456789012', '/svc/');
    expect(users).toBe('arn:aws:iam::123456789012:user/svc/*');
    const readOnly = /^iam:(Get|List)/;
    for (const fn of ['alert', 'audit', 'jobs'] as const) {
      const statements = botIamStatements(scope, fn);
      for (const s of statements.filter((x) => x.Effect === 'Allow')) {
        if (s.Action.every((a) => readOnly.test(a))) {
          expect(
            s.Resource === users ||
              (['iam:ListUsers', 'iam:ListRoles', 'iam:GetAccountAuthorizationDetails'].includes(s.Action.join()) && s.Resource === '*'),
            `${fn} ${s.Sid}`,
          ).toBe(true);
          continue;
        }
        expect(s.Resource, `${fn} ${s.Sid}`).toBe(users);
        if (s.Action.includes('iam:CreateUser')) {
          // With the deny-all boundary, or (a quiet canary) with no boundary at all; the tag either way.
          expect([
            {
              ArnEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AWSDenyAll' },
              Null: { 'aws:RequestTag/registry-id': 'false' },
              'ForAllValues:StringEquals': { 'aws:TagKeys': ['registry-id'] },
            },
            {
              Null: { 'aws:RequestTag/registry-id': 'false', 'iam:PermissionsBoundary': 'true' },
              'ForAllValues:StringEquals': { 'aws:TagKeys': ['registry-id'] },
            },
          ]).toContainEqual(s.Condition);
        } else if (s.Action.includes('iam:TagUser')) {
          expect(s.Action).toEqual(['iam:TagUser']);
          expect(s.Condition?.Null).toEqual({ 'aws:ResourceTag/registry-id': 'true', 'aws:RequestTag/registry-id': 'false' });
        } else if (s.Action.includes('iam:PutUserPolicy')) {
          expect(s.Condition, `${fn} ${s.Sid}`).toEqual({
            ...TAGGED,
            ArnEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AWSDenyAll' },
          });
        } else if (s.Sid === 'RemoveDenyAllPolicyOfCanaries') {
          expect(s.Condition).toEqual({ ...TAGGED, ArnEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AWSDenyAll' } });
        } else expect(s.Condition, `${fn} ${s.Sid}`).toEqual(TAGGED);
      }
      const deny = statements.find((s) => s.Effect === 'Deny')!;
      expect(deny.Action).toEqual(expect.arrayContaining(['iam:CreateLoginProfile', 'iam:AttachUserPolicy', 'iam:AddUserToGroup']));
    }
    const alert = botIamStatements(scope, 'alert')
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => s.Action);
    // The alert function parses attacker-shaped input: it can give no power, only disable keys and (the guard) take grants away.
    expect(alert.filter((a) => /^iam:(Create|Put|Tag|Attach|Add)/.test(a))).toEqual([]);
    expect(alert.sort()).toEqual([
      'iam:DeleteLoginProfile',
      'iam:DeleteUserPolicy',
      'iam:DetachUserPolicy',
      'iam:GetLoginProfile',
      'iam:GetUser',
      'iam:GetUserPolicy',
      'iam:ListAccessKeys',
      'iam:ListAttachedUserPolicies',
      'iam:ListGroupsForUser',
      'iam:ListUserPolicies',
      'iam:UpdateAccessKey',
    ]);
  });
});
