import { CreateRoleCommand, EntityAlreadyExistsException, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { inEmulatedAccount } from '../../local/emulator-control';
import { awsEndpoint } from './emulator';

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

/**
 * Credentials in another emulated account, as its own administrator. The emulator refuses
 * AssumeRole of a role that does not exist (local/moto_server.py), as AWS does, so the role is
 * made first through moto's account header: the emulator's stand-in for however the account got
 * its first role (account vending, OrganizationAccountAccessRole). Then it is assumed as AWS would.
 */
export async function enterAccount(account: string, roleName = 'tester', region = 'us-east-1'): Promise<Credentials> {
  const endpoint = awsEndpoint();
  const iam = new IAMClient({ region, endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  inEmulatedAccount(iam, account);
  try {
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }));
  } catch (err) {
    if (!(err instanceof EntityAlreadyExistsException)) throw err;
  } finally {
    iam.destroy();
  }
  return assumeRole(`arn:aws:iam::${account}:role/${roleName}`, { accessKeyId: 'x', secretAccessKey: 'x' }, region);
}

export async function assumeRole(
  roleArn: string,
  credentials: Credentials | { accessKeyId: string; secretAccessKey: string },
  region = 'us-east-1',
): Promise<Credentials> {
  const sts = new STSClient({ region, endpoint: awsEndpoint(), credentials });
  try {
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test' }))).Credentials!;
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  } finally {
    sts.destroy();
  }
}
