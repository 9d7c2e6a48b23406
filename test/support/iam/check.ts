import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { GetAccessKeyLastUsedCommand, GetUserCommand, IAMClient, ListUserTagsCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { DescribeOrganizationCommand, ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import * as smithy from '@smithy/core/client';
import { inEmulatedAccount } from '../../../local/emulator-control';
import { evaluate } from './evaluate';
import type { PolicyStatement } from './evaluate';
import { authorizationsOf } from './requests';
import type { Authorization, Facts } from './requests';

/**
 * Every AWS call a bot function makes in the integration tests, checked against that function's own
 * role as the CDK app synthesizes it, before the call reaches the emulator: a call the role does not
 * allow is refused as AWS refuses it (AccessDenied, HTTP 403), and recorded, and the harness fails
 * the file for it. Calls are told apart by the function they run in (an AsyncLocalStorage context
 * the harness enters around each handler), and a call with a member account's role credentials is
 * checked against that member role instead.
 *
 * What this does not cover: resource policies (the bus policy, key policies, queue and topic
 * policies), trust policies, SCPs, and condition keys the request does not carry here (see
 * requests.ts for the keys it fills in).
 */
export type FunctionName = 'slack' | 'jobs' | 'alert' | 'audit';

export interface Refusal {
  fn: FunctionName;
  caller: string;
  authorization: Authorization;
  decision: string;
}

export interface Checker {
  /** The statements a call in this function is held to, given the caller's account and role. */
  policyFor(fn: FunctionName, caller: { account: string; role?: string }): PolicyStatement[] | undefined;
  refusals: Refusal[];
  endpoint: string;
  /** The account the bot runs in: its organization is the one organization mode serves. */
  homeAccount: string;
}

// One per process, whatever module instance asks: test files share their worker's SDK, and the
// wrapped send must see the context every harness enters.
const KEY = Symbol.for('aws-canary-bot.iam-check');
type Shared = { current: AsyncLocalStorage<{ fn: FunctionName; checker: Checker }>; installed: boolean };
const shared = ((globalThis as Record<symbol, Shared>)[KEY] ??= { current: new AsyncLocalStorage(), installed: false });
const current = shared.current;

/** Runs `work` as the named function: the calls it makes are held to that function's role. */
export const asFunction = <T>(checker: Checker, fn: FunctionName, work: () => T): T => current.run({ fn, checker }, work);

/** Outside the checks: what the test itself does (setting up, playing the attacker). */
export const unchecked = <T>(work: () => T): T => current.exit(work);

type AnyClient = {
  config: { serviceId?: string; region: unknown; credentials?: unknown };
};
type Send = (this: AnyClient, command: { input?: unknown; constructor: { name: string } }, ...rest: unknown[]) => Promise<unknown>;

const identities = new Map<string, Promise<{ account: string; arn: string }>>();

async function callerOf(client: AnyClient, endpoint: string): Promise<{ account: string; role?: string; arn: string }> {
  const provider = client.config.credentials as
    (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>) | undefined;
  const creds = provider ? await provider() : undefined;
  if (!creds) throw new Error('the IAM check found a client without credentials');
  let id = identities.get(creds.accessKeyId);
  if (!id) {
    id = unchecked(async () => {
      const sts = new STSClient({ region: 'us-east-1', endpoint, credentials: creds });
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return { account: out.Account!, arn: out.Arn! };
      } finally {
        sts.destroy();
      }
    });
    identities.set(creds.accessKeyId, id);
  }
  const { account, arn } = await id;
  const role = /:assumed-role\/([^/]+)\//.exec(arn)?.[1];
  return { account, arn, ...(role ? { role } : {}) };
}

function factsFor(endpoint: string): Facts {
  const inAccount = <C extends IAMClient>(client: C, account: string) => inEmulatedAccount(client, account, { unpaced: true });
  const admin = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  return {
    user: (account, name) =>
      unchecked(async () => {
        const iam = inAccount(new IAMClient({ region: 'us-east-1', endpoint, credentials: admin }), account);
        try {
          const user = (await iam.send(new GetUserCommand({ UserName: name }))).User!;
          const tags = (await iam.send(new ListUserTagsCommand({ UserName: name }))).Tags ?? [];
          return {
            path: user.Path ?? '/',
            tags: Object.fromEntries(tags.map((t) => [t.Key!, t.Value ?? ''])),
            ...(user.PermissionsBoundary?.PermissionsBoundaryArn ? { boundary: user.PermissionsBoundary.PermissionsBoundaryArn } : {}),
          };
        } catch (err) {
          if (err instanceof NoSuchEntityException) return undefined;
          throw err;
        } finally {
          iam.destroy();
        }
      }),
    keyOwner: (account, accessKeyId) =>
      unchecked(async () => {
        const iam = inAccount(new IAMClient({ region: 'us-east-1', endpoint, credentials: admin }), account);
        try {
          return (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).UserName;
        } catch {
          return undefined;
        } finally {
          iam.destroy();
        }
      }),
    secretArn: (region, id) =>
      unchecked(async () => {
        const sm = new SecretsManagerClient({ region, endpoint, credentials: admin });
        try {
          return (await sm.send(new DescribeSecretCommand({ SecretId: id }))).ARN;
        } catch {
          return undefined;
        } finally {
          sm.destroy();
        }
      }),
  };
}

const organizations = new Map<string, Promise<{ id?: string; accounts: string[] }>>();
/** The home account's organization and its accounts, as the emulator has them (read once per home account). */
function organizationOf(endpoint: string, home: string): Promise<{ id?: string; accounts: string[] }> {
  let org = organizations.get(`${endpoint} ${home}`);
  if (!org) {
    org = unchecked(async () => {
      const client = new OrganizationsClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      inEmulatedAccount(client, home, { unpaced: true });
      try {
        const id = (await client.send(new DescribeOrganizationCommand({}))).Organization?.Id;
        const accounts = ((await client.send(new ListAccountsCommand({}))).Accounts ?? []).map((a) => a.Id!);
        return { ...(id ? { id } : {}), accounts };
      } catch {
        return { accounts: [] };
      } finally {
        client.destroy();
      }
    });
    organizations.set(`${endpoint} ${home}`, org);
  }
  return org;
}

/** The global condition keys AWS puts in every request context ("AWS global condition context keys"). */
async function globalContext(checker: Checker, caller: { account: string; arn: string; role?: string }, resource: string) {
  const org = await organizationOf(checker.endpoint, checker.homeAccount);
  const orgOf = (account: string | undefined) =>
    account && org.id && (account === checker.homeAccount || org.accounts.includes(account)) ? org.id : undefined;
  const resourceAccount = resource.split(':')[4] || undefined;
  const principalArn = caller.role ? `arn:aws:iam::${caller.account}:role/${caller.role}` : caller.arn;
  return {
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalArn': principalArn,
    ...(orgOf(caller.account) ? { 'aws:PrincipalOrgID': orgOf(caller.account) } : {}),
    ...(resourceAccount ? { 'aws:ResourceAccount': resourceAccount } : {}),
    ...(orgOf(resourceAccount) ? { 'aws:ResourceOrgID': orgOf(resourceAccount) } : {}),
  };
}

/** The error AWS answers a refused call with, in the SDK's shape. */
function accessDenied(serviceId: string, caller: string, a: Authorization): Error {
  const query = ['IAM', 'STS', 'S3', 'EC2', 'SQS'].includes(serviceId);
  const message = `User: ${caller} is not authorized to perform: ${a.action} on resource: ${a.resource} because no identity-based policy allows the ${a.action} action`;
  return Object.assign(new Error(message), {
    name: query ? 'AccessDenied' : 'AccessDeniedException',
    Code: query ? 'AccessDenied' : 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 403, attempts: 1 },
  });
}

async function check(
  ctx: { fn: FunctionName; checker: Checker },
  client: AnyClient,
  command: { input?: unknown; constructor: { name: string } },
) {
  const { checker, fn } = ctx;
  const serviceId = client.config.serviceId ?? 'unknown';
  const region =
    typeof client.config.region === 'function' ? await (client.config.region as () => Promise<string>)() : String(client.config.region);
  const caller = await callerOf(client, checker.endpoint);
  const policy = checker.policyFor(fn, caller);
  if (!policy) throw new Error(`the IAM check has no role for the ${fn} function as ${caller.arn}`);
  const input = { ...((command.input ?? {}) as Record<string, unknown>) };
  const auths = await authorizationsOf(
    { serviceId, command: command.constructor.name.replace(/Command$/, ''), input, region, account: caller.account },
    factsFor(checker.endpoint),
  );
  for (const a of auths) {
    const context = { ...(await globalContext(checker, caller, a.resource)), ...a.context };
    const decision = evaluate(policy, { action: a.action, resource: a.resource, context });
    if (decision.effect !== 'allow') {
      checker.refusals.push({
        fn,
        caller: caller.arn,
        authorization: a,
        decision: decision.effect + (decision.statement ? ` (${decision.statement})` : ''),
      });
      throw accessDenied(serviceId, caller.arn, a);
    }
  }
}

/** Wraps every SDK client's send, once per process; calls outside a function's context pass as before. */
export function installIamCheck(): void {
  if (shared.installed) return;
  shared.installed = true;
  // The SDK may be loaded both as ES modules and as CommonJS: both copies of the client class are wrapped.
  const classes = new Set<{ prototype: { send: Send } }>([
    smithy.Client as never,
    createRequire(import.meta.url)('@smithy/core/client').Client,
  ]);
  for (const cls of classes) {
    const original = cls.prototype.send;
    cls.prototype.send = function (this: AnyClient, command, ...rest) {
      const ctx = current.getStore();
      if (!ctx || typeof rest[rest.length - 1] === 'function') return original.call(this, command, ...rest);
      return check(ctx, this, command).then(
        () => original.call(this, command, ...rest),
        (err: unknown) => {
          // The bot may catch and report what the call threw; the test must still hear of a check that could not be made.
          if (!(err instanceof Error && err.name.startsWith('AccessDenied')))
            ctx.checker.refusals.push({
              fn: ctx.fn,
              caller: '?',
              authorization: { action: command.constructor.name, resource: '?', context: {} },
              decision: `not checked: ${String(err)}`,
            });
          throw err;
        },
      );
    };
  }
}

export function describeRefusals(refusals: Refusal[]): string {
  return refusals
    .map((r) => `  ${r.fn} (${r.caller}): ${r.authorization.action} on ${r.authorization.resource} -> ${r.decision}`)
    .join('\n');
}
