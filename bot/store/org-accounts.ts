import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db';
import { orgAccountsKey } from './schema';

/** One account of the organization as Organizations lists it (ListAccounts: Id, Name, State). */
export interface OrgAccount {
  id: string;
  name: string;
  state: string;
}

/**
 * The organization's account list, as the jobs and audit functions last read it from
 * Organizations. The slack function has no AWS rights of its own: it builds the mint form's
 * account picker and resolves names from this copy.
 */
export async function putOrgAccounts({ ddb, table }: Db, accounts: OrgAccount[], at: string): Promise<void> {
  await ddb.send(new PutCommand({ TableName: table, Item: { ...orgAccountsKey, accounts, at } }));
}

export async function getOrgAccounts({ ddb, table }: Db): Promise<{ accounts: OrgAccount[]; at: string } | undefined> {
  const item = (await ddb.send(new GetCommand({ TableName: table, Key: orgAccountsKey, ConsistentRead: true }))).Item;
  return item ? { accounts: (item.accounts as OrgAccount[] | undefined) ?? [], at: String(item.at) } : undefined;
}
