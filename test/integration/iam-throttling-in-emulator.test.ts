import { CreateUserCommand, GetUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calls, resetCalls, throttle, total } from '../../local/emulator-control';
import { startMoto } from '../../local/moto';
import type { Moto } from '../../local/moto';

/**
 * The emulator throttles IAM, STS and Organizations per account, as AWS does, when a test asks
 * it to (local/moto_server.py, "throttling per account"): a token bucket per (service, account),
 * answering IAM's and STS's `Throttling` ("Rate exceeded", HTTP 400) and Organizations'
 * `TooManyRequestsException`, which the SDK classifies as throttling and retries. A moto of its
 * own, so that no setting here reaches another file's emulator.
 */
const OTHER_ACCOUNT = '111111111111';
type Client = IAMClient | STSClient | OrganizationsClient;

describe('the emulator throttles IAM, STS and Organizations per account', () => {
  let moto: Moto;
  const clients: Client[] = [];
  const config = (maxAttempts: number, retryMode: 'standard' | 'adaptive' = 'standard') => ({
    region: 'us-east-1',
    endpoint: moto.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts,
    retryMode,
  });
  /** A client that calls as `account` (moto's account header), or as the access key's account. */
  function made<C extends Client>(client: C, account?: string): C {
    if (account) {
      // The clients' stacks differ only in their commands' types; the header is the same for all.
      (client as IAMClient).middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
          return next(args);
        },
        { step: 'build', name: 'motoAccount' },
      );
    }
    clients.push(client);
    return client;
  }
  const iam = (maxAttempts = 1, account?: string, retryMode?: 'standard' | 'adaptive') =>
    made(new IAMClient(config(maxAttempts, retryMode)), account);
  /** Sends them all at once; what each did, in order. */
  const burst = (sends: (() => Promise<unknown>)[]) => Promise.allSettled(sends.map((send) => send()));
  const succeeded = (results: PromiseSettledResult<unknown>[]) => results.filter((r) => r.status === 'fulfilled').length;
  const errors = (results: PromiseSettledResult<unknown>[]) =>
    results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error & { $metadata?: { httpStatusCode?: number } }] : []));
  const listUsers = (client: IAMClient, n: number) => burst(Array.from({ length: n }, () => () => client.send(new ListUsersCommand({}))));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    moto = await startMoto();
    await made(new OrganizationsClient(config(1))).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  }, 120_000);
  afterEach(async () => {
    await throttle(moto.url, { rate: 0 });
    await resetCalls(moto.url);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await moto?.stop();
  });

  it('throttles nothing by default: a burst of 50 IAM calls all succeed', async () => {
    const results = await listUsers(iam(), 50);
    expect(errors(results)).toEqual([]);
  });

  it('answers a burst beyond the bucket with Throttling, which the SDK classifies as throttling', async () => {
    // Half a token a second: the 12 calls arrive well within the 2 s one more token takes.
    await throttle(moto.url, { rate: 0.5, burst: 5 });
    const results = await listUsers(iam(), 12);
    expect(succeeded(results)).toBe(5);
    const refused = errors(results);
    expect(refused).toHaveLength(7);
    for (const err of refused) {
      // The name is the wire's code: one of @smithy's THROTTLING_ERROR_CODES.
      expect(err.name).toBe('Throttling');
      expect(err.message).toBe('Rate exceeded');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    }
  });

  it('throttles STS with Throttling and Organizations with TooManyRequestsException', async () => {
    await throttle(moto.url, { rate: 0.5, burst: 2 });
    const sts = made(new STSClient(config(1)));
    const stsResults = await burst(Array.from({ length: 4 }, () => () => sts.send(new GetCallerIdentityCommand({}))));
    expect(succeeded(stsResults)).toBe(2);
    expect(errors(stsResults).map((e) => [e.name, e.message, e.$metadata?.httpStatusCode])).toEqual(
      Array(2).fill(['Throttling', 'Rate exceeded', 400]),
    );
    const org = made(new OrganizationsClient(config(1)));
    const orgResults = await burst(Array.from({ length: 4 }, () => () => org.send(new ListAccountsCommand({}))));
    expect(succeeded(orgResults)).toBe(2);
    expect(errors(orgResults).map((e) => [e.name, e.$metadata?.httpStatusCode])).toEqual(Array(2).fill(['TooManyRequestsException', 400]));
  });

  it('throttles only the services named', async () => {
    await throttle(moto.url, { rate: 0.5, burst: 1, services: ['iam'] });
    const sts = made(new STSClient(config(1)));
    expect(errors(await burst(Array.from({ length: 5 }, () => () => sts.send(new GetCallerIdentityCommand({})))))).toEqual([]);
    expect(succeeded(await listUsers(iam(), 3))).toBe(1);
  });

  it("keeps a bucket per account: another account's is full while this one's is empty", async () => {
    await throttle(moto.url, { rate: 0.5, burst: 3 });
    expect(succeeded(await listUsers(iam(), 6))).toBe(3);
    // The same account through its header, and through its access key, is the same bucket.
    expect(errors(await listUsers(iam(1, '123456789012'), 1)).map((e) => e.name)).toEqual(['Throttling']);
    expect(succeeded(await listUsers(iam(1, OTHER_ACCOUNT), 6))).toBe(3);
  });

  it('refills the bucket over time, never beyond its burst', async () => {
    await throttle(moto.url, { rate: 2, burst: 2 });
    const client = iam();
    const first = succeeded(await listUsers(client, 5));
    expect(first).toBeGreaterThanOrEqual(2);
    expect(first).toBeLessThanOrEqual(3);
    await sleep(1_200); // 2.4 tokens' worth, and the bucket holds 2
    const refilled = succeeded(await listUsers(client, 5));
    expect(refilled).toBeGreaterThanOrEqual(2);
    expect(refilled).toBeLessThanOrEqual(3);
    await sleep(3_000); // 6 tokens' worth: still 2
    expect(succeeded(await listUsers(client, 8))).toBeLessThanOrEqual(3);
  });

  it('adds the latency asked for to every call of the services named', async () => {
    await throttle(moto.url, { rate: 0, latencyMs: 400, services: ['iam'] });
    const client = iam();
    const started = performance.now();
    await client.send(new ListUsersCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('counts the calls per service, account and action, throttled ones too', async () => {
    const client = iam();
    for (const UserName of ['counted-a', 'counted-b']) await client.send(new CreateUserCommand({ UserName }));
    await client.send(new GetUserCommand({ UserName: 'counted-a' }));
    await made(new STSClient(config(1)), OTHER_ACCOUNT).send(new GetCallerIdentityCommand({}));
    await made(new OrganizationsClient(config(1))).send(new DescribeOrganizationCommand({}));
    await throttle(moto.url, { rate: 0.5, burst: 1 });
    await listUsers(client, 3);
    const counted = await calls(moto.url);
    expect(counted).toEqual([
      { service: 'iam', account: '123456789012', action: 'CreateUser', count: 2, throttled: 0 },
      { service: 'iam', account: '123456789012', action: 'GetUser', count: 1, throttled: 0 },
      { service: 'iam', account: '123456789012', action: 'ListUsers', count: 3, throttled: 2 },
      { service: 'organizations', account: '123456789012', action: 'DescribeOrganization', count: 1, throttled: 0 },
      { service: 'sts', account: OTHER_ACCOUNT, action: 'GetCallerIdentity', count: 1, throttled: 0 },
    ]);
    expect(total(counted, 'iam')).toBe(6);
    await resetCalls(moto.url);
    expect(await calls(moto.url)).toEqual([]);
  });

  it.each(['standard', 'adaptive'] as const)('lets a modest overload through with the SDK default retries (%s)', async (mode) => {
    // 16 calls on a bucket of 10 refilling at 10 a second: about 6 throttled, each retried after
    // the SDK's throttling backoff (up to 500 ms, then up to 1 s), within its default 3 attempts.
    await throttle(moto.url, { rate: 10, burst: 10 });
    const results = await listUsers(iam(3, undefined, mode), 16);
    expect(errors(results)).toEqual([]);
    const [listed] = (await calls(moto.url)).filter((c) => c.action === 'ListUsers');
    expect(listed?.throttled).toBeGreaterThan(0);
    expect(listed?.count).toBe(16 + listed!.throttled);
  });
});
