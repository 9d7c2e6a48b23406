import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { failCommand } from '../support/aws-spy';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * Minting is all or nothing: whichever step fails, the earlier steps are undone (no orphan IAM
 * user, key or record), and the requester is told which step failed.
 */
describe('a failure at any minting step leaves nothing behind', () => {
  let h: Harness;
  let undo: Array<() => void> = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => {
    undo.forEach((u) => u());
    undo = [];
    h.standin.calls.length = 0;
  });
  afterAll(() => h.close());

  // The document client's commands share the base client's stack and arrive unmarshalled.
  const isCanaryRecord = (input: Record<string, unknown>) => JSON.stringify(input.TransactItems ?? '').includes('"Put"');

  const steps = [
    { step: 'create IAM user', client: 'iam', command: 'CreateUserCommand' },
    { step: 'attach the deny-all policy', client: 'iam', command: 'PutUserPolicyCommand' },
    { step: 'create the access key', client: 'iam', command: 'CreateAccessKeyCommand' },
    { step: 'record the canary', client: 'ddb', command: 'TransactWriteItemsCommand' },
  ] as const;

  for (const s of steps) {
    it(`undoes everything when "${s.step}" fails`, async () => {
      const client = s.client === 'iam' ? h.slack.runtime.aws.iam : h.slack.runtime.store.client;
      undo.push(
        failCommand(client, s.command, { name: 'ServiceFailure', message: 'injected' }, s.client === 'ddb' ? isCanaryRecord : undefined),
      );
      await h.command('new laptop-42');
      await h.settle();

      expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).toEqual([]);
      expect((await h.scanTable()).filter((i) => /^(CANARY|ALIAS)#/.test(String(i.pk)))).toEqual([]);
      const replies = h.standin.calls.filter((c) => c.method === 'response_url');
      expect(replies).toHaveLength(1);
      expect(replies[0]!.args.response_type).toBe('ephemeral');
      expect(String(replies[0]!.args.text)).toContain(`the step "${s.step}" failed`);
      expect(String(replies[0]!.args.text)).toContain('Nothing was left behind');
    });
  }

  it('says plainly what is left when undoing fails too, and logs it', async () => {
    undo.push(failCommand(h.slack.runtime.aws.iam, 'CreateAccessKeyCommand', { name: 'LimitExceededException' }));
    undo.push(failCommand(h.slack.runtime.aws.iam, 'DeleteUserCommand', { name: 'ServiceFailure' }));
    await h.command('new laptop-43');
    await h.settle();
    const reply = h.standin.calls.find((c) => c.method === 'response_url')!;
    expect(String(reply.args.text)).toMatch(/Cleaning up failed too; left behind: `IAM user \/svc\/\w+\/[\w-]+ \(ServiceFailure\)`/);
    expect(h.logs()).toMatch(/"message":"mint failed".*"leftover":"IAM user/);
    // The user is left, but without its key or policy: it can do nothing and the audit will find it.
    const [user] = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect((await h.iam.send(new ListAccessKeysCommand({ UserName: user!.UserName! }))).AccessKeyMetadata).toEqual([]);
  });
});
