import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import type { PolicyStatement } from '../support/iam/evaluate';

/**
 * The emulator enforces no IAM; the harness does, with each function's role as the CDK app
 * synthesizes it (test/support/iam). Taking one statement out of a role must make the path that
 * needs it fail here as it would in AWS, and be reported.
 */
describe("every call is held to its function's synthesized role", () => {
  let h: Harness;
  let restore: Array<() => void> = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => {
    restore.forEach((r) => r());
    restore = [];
    h.refusals.length = 0;
    h.standin.calls.length = 0;
  });
  afterAll(() => h.close());

  const without = (fn: keyof Harness['roles'], sid: string) => {
    const role = h.roles[fn];
    const i = role.findIndex((st: PolicyStatement) => st.Sid === sid);
    expect(i, `${fn} has a statement ${sid}`).toBeGreaterThanOrEqual(0);
    const [removed] = role.splice(i, 1);
    restore.push(() => role.splice(i, 0, removed!));
  };

  it('mints with the jobs role as synthesized, and nothing is refused', async () => {
    await h.command('new laptop-1');
    await h.settle();
    expect(JSON.stringify(h.standin.calls.filter((c) => c.method === 'response_url'))).toContain('aws_access_key_id');
    expect(h.refusals).toEqual([]);
  });

  it('refuses the deny-all policy when the jobs role loses the statement that grants it, and the mint leaves nothing', async () => {
    without('jobs', 'InlinePoliciesOfCanariesOnly');
    await h.command('new laptop-2');
    await h.settle();
    expect(h.refusals.map((r) => [r.fn, r.authorization.action, r.decision])).toEqual([['jobs', 'iam:PutUserPolicy', 'implicit-deny']]);
    const reply = String(h.standin.calls.find((c) => c.method === 'response_url')?.args.text);
    expect(reply).toContain('the step "attach the deny-all policy" failed');
    expect(reply).toContain('AccessDenied');
    const users = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect(users.map((u) => u.UserName)).toHaveLength(1); // the first test's canary only
  });

  it("refuses a call on a table the role does not name, as AWS does for another stack's table", async () => {
    const ddb = h.slack.runtime.store.client;
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    await expect(
      h.as('slack', () => ddb.send(new GetCommand({ TableName: 'someone-elses-table', Key: { pk: 'x', sk: 'y' } }))),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    expect(h.refusals.map((r) => r.authorization.resource)).toEqual(['arn:aws:dynamodb:us-east-1:123456789012:table/someone-elses-table']);
  });
});
