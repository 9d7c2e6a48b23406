import {
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENY_ALL_BOUNDARY, DENY_ALL_POLICY_NAME } from '../../bot/kinds/aws-key';
import { checkUserName } from '../../bot/names';
import { ADMIN, startHarness, serialisedCalls } from '../support/harness';
import type { Harness } from '../support/harness';
import { recordIamRequests } from '../support/aws-spy';

describe('a signed /canary new laptop-42 mints an AWS key canary end to end', () => {
  let h: Harness;
  let ack: Awaited<ReturnType<Harness['command']>>;
  let iamRequests: ReturnType<typeof recordIamRequests>;

  beforeAll(async () => {
    h = await startHarness();
    iamRequests = recordIamRequests(h.slack.runtime.aws.iam);
    ack = await h.command('new laptop-42');
    await h.settle();
  });
  afterAll(() => h.close());

  it('acks at once, privately, saying minting has started', () => {
    expect(ack.res.statusCode).toBe(200);
    expect(ack.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.body?.text)).toMatch(/Minting a canary \(AWS access key\) for `laptop-42`/);
  });

  it('creates one IAM user under the canary path, with a plausible name', async () => {
    const users = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect(users).toHaveLength(1);
    const user = users[0]!;
    expect(user.Path).toBe(h.userPath);
    expect(checkUserName(user.UserName!)).toEqual({ ok: true });
  });

  it('gives the user the deny-all inline policy, the AWSDenyAll boundary, and exactly one active key', async () => {
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    const UserName = user!.UserName!;
    expect((await h.iam.send(new ListUserPoliciesCommand({ UserName }))).PolicyNames).toEqual([DENY_ALL_POLICY_NAME]);
    const doc = (await h.iam.send(new GetUserPolicyCommand({ UserName, PolicyName: DENY_ALL_POLICY_NAME }))).PolicyDocument!;
    expect(JSON.parse(decodeURIComponent(doc))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
    });
    const keys = (await h.iam.send(new ListAccessKeysCommand({ UserName }))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => k.Status)).toEqual(['Active']);
    // Every CreateUser asked for the boundary, retries included (IAM user names are account-wide:
    // a name another test file took is retried with a new one); the next test reads it back.
    const creates = iamRequests.filter((r) => r.command === 'CreateUserCommand');
    expect(creates.find((r) => r.input.UserName === UserName)?.input).toMatchObject({
      UserName,
      Path: h.userPath,
      PermissionsBoundary: DENY_ALL_BOUNDARY,
    });
    for (const c of creates) expect(c.input.PermissionsBoundary).toBe(DENY_ALL_BOUNDARY);
    expect(iamRequests.some((r) => r.command === 'CreateLoginProfileCommand')).toBe(false);
  });

  it('leaves the user with the AWSDenyAll boundary, as GetUser reports it', async () => {
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect(user!.PermissionsBoundary).toBeUndefined(); // ListUsers never returns it (IAM API reference)
    expect((await h.iam.send(new GetUserCommand({ UserName: user!.UserName! }))).User?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: DENY_ALL_BOUNDARY,
    });
  });

  it('stores a record that matches IAM and names the placement, owner and creator', async () => {
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    const [key] = (await h.iam.send(new ListAccessKeysCommand({ UserName: user!.UserName! }))).AccessKeyMetadata ?? [];
    const items = await h.store.allCanaries();
    expect(items).toHaveLength(1);
    const aliases = (await h.scanTable()).filter((i) => String(i.pk).startsWith('ALIAS#'));
    expect(aliases.map((a) => [a.pk, a.canaryId]).sort()).toEqual(
      [
        [`ALIAS#${key!.AccessKeyId}`, items[0]!.id],
        [`ALIAS#${user!.Arn}`, items[0]!.id],
      ].sort(),
    );
    expect(items[0]).toMatchObject({
      kind: 'aws-key',
      location: 'laptop-42',
      owner: ADMIN,
      createdBy: ADMIN,
      status: 'active',
      aliases: [key!.AccessKeyId, user!.Arn],
      resource: { userName: user!.UserName, userArn: user!.Arn, accessKeyId: key!.AccessKeyId },
    });
    expect(String(items[0]!.id)).toMatch(/^c[0-9a-z]{6}$/);
    expect(Date.parse(String(items[0]!.createdAt))).toBeGreaterThan(Date.now() - 60_000);
  });

  it("sends exactly one message carrying the secret: ephemeral, to the command's response_url", async () => {
    const secret = secretFrom(h);
    const carrying = h.standin.calls.filter((c) => JSON.stringify(c).includes(secret));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]!.method).toBe('response_url');
    expect(ack.responseUrl.endsWith(carrying[0]!.responseUrlId!)).toBe(true);
    expect(carrying[0]!.args.response_type).toBe('ephemeral');
    // the notification text (previews) leaves the secret out
    expect(String(carrying[0]!.args.text)).not.toContain(secret);
    const shown = JSON.stringify(carrying[0]!.args.blocks);
    for (const shape of ['aws_secret_access_key =', 'export AWS_SECRET_ACCESS_KEY=', '\\nAWS_SECRET_ACCESS_KEY=', '\\"SecretAccessKey\\"'])
      expect(shown).toContain(shape);
  });

  it('lets the secret appear nowhere else: no other Slack call, no log line, no DynamoDB item', async () => {
    const secret = secretFrom(h);
    expect(serialisedCalls(h).filter((c) => c.includes(secret))).toHaveLength(1);
    expect(h.logs()).not.toContain(secret);
    expect(h.logs()).toContain('canary minted'); // the logs were captured, and are not empty
    expect(JSON.stringify(await h.scanTable())).not.toContain(secret);
  });
});

/** The secret as delivered: read from the one message that is allowed to carry it. */
function secretFrom(h: Harness): string {
  for (const c of h.standin.calls) {
    const m = /aws_secret_access_key = ([A-Za-z0-9/+=]{20,})/.exec(JSON.stringify(c.args));
    if (m) return m[1]!;
  }
  throw new Error('no message carried a secret');
}
