import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { partitionOf } from './accounts';
import { clientOptions } from './aws';
import type { Core } from './deps';
import { inlineCode } from './mrkdwn';
import type { OrgAccount } from './store/org-accounts';

/** Organizations answers in one region per partition (its endpoint is global). */
const ORGANIZATIONS_REGION = { aws: 'us-east-1', 'aws-cn': 'cn-northwest-1', 'aws-us-gov': 'us-gov-west-1' } as const;

/** A copy younger than this is used as it is; older, the jobs function asks Organizations again. */
const FRESH_MS = 10 * 60_000;

/**
 * Reads every account of the organization (ListAccounts, which the management account or a
 * delegated administrator may call) and keeps the list in the store for the slack function.
 */
export async function refreshOrgAccounts(deps: Core): Promise<OrgAccount[]> {
  const accounts: OrgAccount[] = [];
  await withOrganizations(deps, async (client, { paginateListAccounts }) => {
    for await (const page of paginateListAccounts({ client }, {}))
      for (const a of page.Accounts ?? [])
        if (a.Id) accounts.push({ id: a.Id, name: a.Name ?? a.Id, state: String(a.State ?? a.Status ?? 'UNKNOWN') });
  });
  await deps.store.putOrgAccounts(accounts, new Date().toISOString());
  return accounts;
}

/**
 * A client for one task, then closed: the jobs and audit functions ask Organizations rarely. The
 * SDK client is loaded then too: the slack function never asks (scripts/build.ts leaves it out).
 */
async function withOrganizations<T>(
  deps: Core,
  fn: (client: OrganizationsClient, sdk: typeof import('@aws-sdk/client-organizations')) => Promise<T>,
): Promise<T> {
  const sdk = await import('@aws-sdk/client-organizations');
  const client = new sdk.OrganizationsClient(clientOptions(ORGANIZATIONS_REGION[partitionOf(deps.config.region)]));
  try {
    return await fn(client, sdk);
  } finally {
    client.destroy();
  }
}

/** The organization's management account, which a service-managed StackSet never deploys to (AWS's rule). */
export async function managementAccount(deps: Core): Promise<string | undefined> {
  return withOrganizations(
    deps,
    async (client, { DescribeOrganizationCommand }) =>
      (await client.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId,
  );
}

export type ResolvedAccount = { ok: true; account: OrgAccount; home: boolean } | { ok: false; why: string };

/**
 * The account an admin named with --account or the form: its 12-digit id or its name (any case).
 * A closed or suspended account is refused; the home account resolves to "home" (no member role).
 */
export async function resolveAccount(deps: Core, given: string): Promise<ResolvedAccount> {
  // The form picks the home account by default: minting there never waits on Organizations.
  if (given === deps.config.homeAccountId) return { ok: true, account: { id: given, name: given, state: 'ACTIVE' }, home: true };
  const cached = await deps.store.getOrgAccounts();
  const find = (list: OrgAccount[]) =>
    /^\d{12}$/.test(given) ? list.filter((a) => a.id === given) : list.filter((a) => a.name.toLowerCase() === given.trim().toLowerCase());
  let found = cached ? find(cached.accounts) : [];
  if (!found.length || !cached || Date.now() - Date.parse(cached.at) > FRESH_MS) {
    // A stale copy that names the account beats a refusal while Organizations throttles.
    const fresh = await refreshOrgAccounts(deps).catch((err: unknown) => {
      if (found.length) return undefined;
      throw err;
    });
    if (fresh) found = find(fresh);
  }
  // Names are set from inside each account (account:PutAccountName): shown as code, never as mrkdwn.
  if (found.length > 1)
    return {
      ok: false,
      why: `${found.length} accounts are named ${inlineCode(given, 60)}: give the id (${found.map((a) => a.id).join(', ')}).`,
    };
  const account = found[0];
  if (!account)
    return { ok: false, why: `the organization has no account ${inlineCode(given, 60)}. \`/canary new\` alone lists them in the form.` };
  if (account.state !== 'ACTIVE')
    return { ok: false, why: `account ${inlineCode(account.name, 60)} (${account.id}) is ${account.state.toLowerCase()}, not active.` };
  return { ok: true, account, home: account.id === deps.config.homeAccountId };
}
