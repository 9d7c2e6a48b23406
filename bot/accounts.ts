import { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { clientOptions } from './aws';
import type { Config } from './config';
import type { Core, WithIam } from './deps';
import { errorText, MemberAccountError } from './errors';
import type { CanaryRecord } from './model/canary';

/**
 * Organization mode: a canary may live in another account of the organization, and the bot acts
 * there through the member roles the StackSet puts in every account (infra/member-stack.ts). A
 * canary without an account lives in the home account, as every canary does in single-account
 * mode, which this module leaves exactly as it was.
 */
export const MEMBER_ROLE_NAMES = {
  jobs: 'aws-canary-bot-member-jobs',
  alert: 'aws-canary-bot-member-alert',
  audit: 'aws-canary-bot-member-audit',
} as const;

export const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** Each function assumes its own member role (MEMBER_ROLE_NAME, set per function by the CDK app), with only what it does there. */
export const memberRoleArn = (config: Config, account: string) =>
  `arn:${partitionOf(config.region)}:iam::${account}:role/${config.memberRoleName}`;

/** True when `account` is one the bot reaches through its member role; false for the home account (or none). */
export function isMember(config: Config, account: string | undefined): account is string {
  if (!account || account === config.homeAccountId) return false;
  if (!config.organizationId)
    throw new MemberAccountError(`account ${account} is not this deployment's, and it is not in organization mode (-c organization=...)`);
  return true;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * Per process: a warm Lambda reuses the member session until five minutes before it expires.
 * Keyed by the role, not the account: each function has its own member role, and a session of
 * one must never serve another (the tests run every function in one process).
 */
const providers = new Map<string, () => Promise<Credentials>>();
const iamClients = new Map<string, IAMClient>();
let sts: STSClient | undefined;

/** The member role's credentials in `account`, from STS AssumeRole, for any SDK client's `credentials`. */
export function memberCredentials(config: Config, account: string): () => Promise<Credentials> {
  const roleArn = memberRoleArn(config, account);
  const known = providers.get(roleArn);
  if (known) return known;
  let current: Credentials | undefined;
  let inflight: Promise<Credentials> | undefined;
  const provider = async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000) return current;
    // STS is loaded on the first member call, not at every cold start of every function.
    inflight ??= import('@aws-sdk/client-sts')
      .then(({ AssumeRoleCommand, STSClient }) =>
        (sts ??= new STSClient(clientOptions(config.region))).send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'aws-canary-bot', DurationSeconds: 900 }),
        ),
      )
      .then(({ Credentials: c }) => {
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
        current = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        };
        return current;
      })
      .catch((err: unknown) => {
        // Said in Slack and the audit as it is: the usual cause is an account the StackSet has not reached.
        throw new MemberAccountError(
          `cannot act in account ${account}: assuming ${roleArn} failed (${errorText(err)}). Is the member stack deployed there?`,
        );
      })
      .finally(() => (inflight = undefined));
    return inflight;
  };
  providers.set(roleArn, provider);
  return provider;
}

/** `deps` with IAM in `account`: unchanged for the home account, the member role's client for another. */
export function inAccount<D extends Core & WithIam>(deps: D, account: string | undefined): D {
  if (!isMember(deps.config, account)) return deps;
  const roleArn = memberRoleArn(deps.config, account);
  let iam = iamClients.get(roleArn);
  if (!iam)
    iamClients.set(
      roleArn,
      (iam = new IAMClient({ ...clientOptions(deps.config.region), credentials: memberCredentials(deps.config, account) })),
    );
  return { ...deps, aws: { ...deps.aws, iam } };
}

/** `deps` with IAM where the canary lives. */
export const forCanary = <D extends Core & WithIam>(deps: D, canary: Pick<CanaryRecord, 'account'>): D => inAccount(deps, canary.account);

/**
 * "production (111122223333)" in organization mode, for the alert; undefined otherwise, which
 * leaves single-account alerts as they were. The name comes from the stored copy of the
 * organization's list: a missing or unreadable copy costs the name, never the alert.
 */
let names: { at: number; byId: Map<string, string> } | undefined;

export async function accountLabel(deps: Core, account: string | undefined): Promise<string | undefined> {
  if (!deps.config.organizationId) return undefined;
  const id = account ?? deps.config.homeAccountId;
  if (!id) return undefined;
  // Read at most once a minute per process: a flood re-renders its parent often.
  if (!names || Date.now() - names.at > 60_000) {
    const listed = await deps.store.getOrgAccounts().catch(() => undefined);
    names = { at: Date.now(), byId: new Map(listed?.accounts.map((a) => [a.id, a.name])) };
  }
  const name = names.byId.get(id);
  return name ? `${name} (${id})` : id;
}
