import { CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsKey, removeUser } from '../../bot/kinds/aws-key';
import { botIamStatements, canaryUserArn } from '../../infra/bot-policy';
import { recordIamRequests } from '../support/aws-spy';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/** The bot's own IAM use can touch only users under the canary path. */
describe('the bot touches only IAM users under the canary path', () => {
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
    await expect(removeUser(h.slack.runtime.aws.iam, h.userPath, name)).rejects.toThrow(/not under/);
    const tampered = { id: 'cxxxxxx', kind: 'aws-key', location: 'x', owner: 'U1', createdAt: '', createdBy: 'U1', status: 'active' as const, aliases: ['AKIA'], resource: { userName: name } };
    await expect(awsKey.retire({ aws: h.slack.runtime.aws, config: h.slack.runtime.config }, tampered)).rejects.toThrow(/not under/);
    expect((await h.iam.send(new GetUserCommand({ UserName: name }))).User?.UserName).toBe(name);
  });

  it('needs no IAM action beyond what its policy grants, on no resource outside the path', async () => {
    calls.length = 0;
    await h.command('new laptop-42');
    await h.settle();
    const [rec] = (await h.scanTable()).filter((i) => i.sk === 'META');
    const ctx = { aws: h.slack.runtime.aws, config: h.slack.runtime.config };
    const canary = rec as unknown as Parameters<typeof awsKey.audit>[1];
    expect(await awsKey.audit(ctx, canary)).toEqual([]);
    await awsKey.retire(ctx, canary);

    const statements = botIamStatements({ partition: 'aws', account: '123456789012', userPath: h.userPath });
    const allowed = new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
    const used = new Set(calls.map((c) => `iam:${c.command.replace(/Command$/, '')}`));
    expect(used.size).toBeGreaterThan(8);
    for (const action of used) expect(allowed, action).toContain(action);
    // every user the bot named is under the path
    for (const c of calls) if (c.input.UserName) expect(String(c.input.UserName)).toBe(canary.resource.userName);
  });

  it('scopes every Allow to user ARNs under the path, and requires the deny-all boundary to create', () => {
    const statements = botIamStatements({ partition: 'aws', account: '123456789012', userPath: '/svc/' });
    for (const s of statements.filter((x) => x.Effect === 'Allow')) expect(s.Resource).toBe(canaryUserArn('aws', '123456789012', '/svc/'));
    expect(canaryUserArn('aws', '123456789012', '/svc/')).toBe('arn:aws:iam::123456789012:user/svc/*');
    const create = statements.find((s) => s.Action.includes('iam:CreateUser'))!;
    expect(create.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AWSDenyAll' } });
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny.Action).toEqual(expect.arrayContaining(['iam:CreateLoginProfile', 'iam:AttachUserPolicy', 'iam:AddUserToGroup']));
  });
});
