import { CreateRoleCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failCommand, recordIamRequests } from '../support/aws-spy';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

const FUNCTION = 'canary-bot-jobs';

/** A zip archive holding one empty file: moto keeps the code, it does not run it. */
const EMPTY_ZIP = Buffer.from(
  'UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAIAAAAaW5kZXguanNQSwECFAAKAAAAAAAAACEAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAABpbmRleC5qc1BLBQYAAAAAAQABADYAAAAmAAAAAAA=',
  'base64',
);

describe('with JOBS_FUNCTION_NAME set, minting runs in the jobs Lambda through an async invocation', () => {
  let h: Harness;
  let invokes: ReturnType<typeof recordIamRequests>;
  beforeAll(async () => {
    h = await startHarness({ env: { JOBS_FUNCTION_NAME: FUNCTION } });
    const role = await h.iam.send(
      new CreateRoleCommand({ RoleName: `jobs-${h.table}`, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
    );
    const lambda = new LambdaClient({ region: 'us-east-1' });
    await lambda
      .send(
        new CreateFunctionCommand({
          FunctionName: FUNCTION,
          Runtime: 'nodejs24.x',
          Role: role.Role!.Arn!,
          Handler: 'jobs.handler',
          Code: { ZipFile: EMPTY_ZIP },
        }),
      )
      .catch((err: Error) => {
        if (err.name !== 'ResourceConflictException') throw err; // another file created it first
      });
    invokes = recordIamRequests(h.slack.runtime.aws.lambda);
  });
  afterAll(() => h.close());

  const users = async () => (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];

  it('acks after queueing the job with an Event invocation, having minted nothing yet', async () => {
    const { res } = await h.command('new laptop-42');
    expect(res.statusCode).toBe(200);
    await h.settle();
    expect(invokes).toHaveLength(1);
    expect(invokes[0]).toMatchObject({ command: 'InvokeCommand', input: { FunctionName: FUNCTION, InvocationType: 'Event' } });
    expect(await users()).toEqual([]);
  });

  it('mints when the jobs handler receives that payload, and runs it only once if Lambda delivers it twice', async () => {
    const payload = JSON.parse(new TextDecoder().decode(invokes[0]!.input.Payload as Uint8Array)) as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'mint', request: { location: 'laptop-42' } });
    expect(JSON.stringify(payload)).not.toMatch(/secret/i);
    await h.jobs.handler(payload);
    await h.jobs.handler(payload);
    expect(await users()).toHaveLength(1);
    expect(h.standin.calls.filter((c) => c.method === 'response_url')).toHaveLength(1);
    expect(h.logs()).toContain('duplicate delivery ignored');
  });

  it('ignores a malformed job payload without retrying it', async () => {
    await expect(h.jobs.handler({ type: 'mint', jobId: 'not-a-uuid' })).resolves.toBeUndefined();
    expect(h.logs()).toContain('job payload rejected');
  });

  it('tells the requester when the job cannot be queued, and mints nothing', async () => {
    const undo = failCommand(h.slack.runtime.aws.lambda, 'InvokeCommand', { name: 'TooManyRequestsException' });
    const { body } = await h.command('new laptop-43');
    undo();
    expect(String(body?.text)).toMatch(/Could not start minting/);
    expect(await users()).toHaveLength(1);
  });
});
