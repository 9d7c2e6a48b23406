import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { IAMClient, ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ROLE_NAMES } from '../../bot/accounts';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { memberTemplate } from '../../infra/member-stack';
import { checkMessage } from '../../local/block-kit';
import { blockAction } from '../../local/slack-requests';
import { assumeRole, enterAccount } from '../support/accounts';
import type { Credentials } from '../support/accounts';
import { canaryCall, eventBridgeEnvelope, publishAndReceive } from '../support/cloudtrail';
import { awsEndpoint } from '../support/emulator';
import { ADMIN, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * Organization mode end to end in the emulator, with two accounts besides the bot's: production,
 * which has the member stack (the member template itself, deployed there with CloudFormation as
 * the StackSet would), and staging, which has not. Minting, alerting and disabling cross into
 * production through STS AssumeRole of the member role; the emulator refuses AssumeRole of a role
 * that does not exist (local/moto_server.py), which is how the audit finds staging.
 */
const REGION = 'us-east-1';

describe('organization mode: canaries in the account where they are placed', () => {
  let h: Harness;
  let organizationId: string;
  const tag = randomBytes(3).toString('hex');
  const names = { production: `production-${tag}`, staging: `staging-${tag}` };
  const ids: Record<keyof typeof names, string> = { production: '', staging: '' };
  let production: Credentials;
  // An account of the test's own for the bot, and the organization's management account: the
  // organization, rules and users made here stay out of the other files sharing this emulator.
  const HOME = String(randomInt(100_000_000_000, 999_999_999_999));
  const aws = (credentials: Credentials) => ({ region: REGION, endpoint: awsEndpoint(), credentials });

  beforeAll(async () => {
    const home = await enterAccount(HOME, 'OrganizationAdmin');
    const orgs = new OrganizationsClient(aws(home));
    organizationId = (await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!.Id!;
    for (const key of ['production', 'staging'] as const) {
      const created = await orgs.send(new CreateAccountCommand({ AccountName: names[key], Email: `${names[key]}@example.com` }));
      ids[key] = created.CreateAccountStatus!.AccountId!;
    }
    orgs.destroy();
    h = await startHarness({
      env: {
        AWS_ACCESS_KEY_ID: home.accessKeyId,
        AWS_SECRET_ACCESS_KEY: home.secretAccessKey,
        AWS_SESSION_TOKEN: home.sessionToken,
        ORGANIZATION_ID: organizationId,
        HOME_ACCOUNT_ID: HOME,
        ALERT_UPDATE_SECONDS: '0',
      },
    });
    // Organizations made production's administrator role; the member stack goes in through it.
    production = await assumeRole(`arn:aws:iam::${ids.production}:role/OrganizationAccountAccessRole`, home);
    const cfn = new CloudFormationClient(aws(production));
    await cfn.send(
      new CreateStackCommand({
        StackName: `aws-canary-bot-member-${tag}`,
        TemplateBody: JSON.stringify(memberTemplate({ organizationId, homeRegion: REGION, userPath: h.userPath })),
        Parameters: [{ ParameterKey: 'HomeAccount', ParameterValue: HOME }],
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: `aws-canary-bot-member-${tag}` }))).Stacks![0]!;
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    cfn.destroy();
  }, 60_000);
  afterAll(() => h?.close());

  const productionIam = () => new IAMClient(aws(production));
  const usersIn = async (iam: IAMClient) =>
    ((await iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).map((u) => u.Arn);
  const replyTo = (url: string) => h.standin.calls.filter((c) => c.method === 'response_url' && url.endsWith(c.responseUrlId!)).at(-1);
  let canaryId = '';

  it("mints in the member account through its role: the key is production's, and the bot's account has no user", async () => {
    const { responseUrl } = await h.command(`new web-1 /srv/app/.env --account ${names.production}`);
    await h.settle();
    expect(JSON.stringify(replyTo(responseUrl)?.args)).toMatch(/AKIA[A-Z0-9]{16}/);
    const [canary] = await h.store.allCanaries();
    expect(canary).toMatchObject({ account: ids.production, status: 'active', resource: { profile: 'deny-all' } });
    canaryId = canary!.id;
    const iam = productionIam();
    expect(await usersIn(iam)).toEqual([`arn:aws:iam::${ids.production}:user${h.userPath}${canary!.resource.userName}`]);
    expect(await usersIn(h.iam)).toEqual([]);
    iam.destroy();
    // The silent-use net reads the key's last use there too (GetAccessKeyLastUsed, through the role).
    expect(await h.audit.handler({ task: 'silent-use' })).toEqual({ task: 'silent-use', problems: 0 });
    expect(h.logs()).not.toContain('could not read when a canary key was last used');
  });

  it("alerts on a call from that account with the account's name and id, and disables the key across the account boundary", async () => {
    const canary = (await h.store.getCanary(canaryId))!;
    const identity = { accessKeyId: canary.resource.accessKeyId!, arn: canary.resource.userArn!, userName: canary.resource.userName! };
    const call = canaryCall(identity, {
      sourceIPAddress: '198.51.100.7',
      userIdentity: { type: 'IAMUser', accountId: ids.production, ...identity },
    });
    const event = { ...eventBridgeEnvelope(call), account: ids.production };
    expect(await h.alert.handler(await publishAndReceive(h.resources.topicArn, h.resources.queueUrl, [event]))).toEqual({
      batchItemFailures: [],
    });
    const parent = h.standin.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1' && !c.args.thread_ts)!;
    expect(checkMessage(parent.args)).toEqual([]);
    expect(JSON.stringify(parent.args.blocks)).toContain(`\`${names.production} (${ids.production})\` · \`us-east-1\``);

    const inc = (await h.store.getIncident(canaryId, 1))!;
    const responseUrl = h.standin.newResponseUrl();
    const value = JSON.stringify({ canaryId, seq: 1 });
    const { res } = await h.interact(
      blockAction({
        userId: ADMIN,
        actionId: ALERT_ACTIONS.disableKey,
        value,
        responseUrl,
        channelId: 'C0ALERTS1',
        messageTs: inc.parent!.ts,
      }),
    );
    expect(res.statusCode).toBe(200);
    await h.settle();
    const iam = productionIam();
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: canary.resource.userName }));
    expect(keys.AccessKeyMetadata?.map((k) => k.Status)).toEqual(['Inactive']);
    iam.destroy();
    expect(await h.store.getCanary(canaryId)).toMatchObject({ status: 'disabled', disabledBy: ADMIN });
  });

  it('ignores a user under the canary path in an account outside the organization: nobody outside can raise alerts', async () => {
    const outsider = '210987654321';
    const identity = { accessKeyId: 'AKIAOUTSIDER00000001', arn: `arn:aws:iam::${outsider}:user${h.userPath}lure`, userName: 'lure' };
    const call = canaryCall(identity, { userIdentity: { type: 'IAMUser', accountId: outsider, ...identity } });
    await h.audit.handler({ task: 'daily' }); // stores the organization's list: the account is not on it
    const before = h.standin.calls.length;
    const batch = await publishAndReceive(h.resources.topicArn, h.resources.queueUrl, [eventBridgeEnvelope(call)]);
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    expect(JSON.stringify(h.standin.calls.slice(before))).not.toContain(outsider);
    expect((await h.store.allCanaries()).some((c) => c.aliases.includes(identity.arn))).toBe(false);
  });

  it('finds in the audit the account with no member stack, and nothing wrong with the one that has it', async () => {
    const { responseUrl } = await h.command('audit');
    await h.settle();
    const report = JSON.stringify(replyTo(responseUrl)?.args.blocks);
    expect(report).toContain(`account ${names.staging} (${ids.staging})`);
    expect(report).toContain('has no member stack');
    expect(report).not.toContain(`account ${names.production} (${ids.production})`);
    // The canary in production was checked there, through its role: its key is disabled, as pressed, and nothing else is off.
    expect(report).not.toMatch(new RegExp(`canary ${canaryId}[^"]*could not be checked`));
  });

  it('refuses an account the organization does not have, or a quiet canary in a member account, and mints nothing', async () => {
    const before = (await h.store.allCanaries()).length;
    for (const [text, said] of [
      [`new x --account nosuch-${tag}`, `has no account \`nosuch-${tag}\``],
      [`new x --account ${ids.staging} --profile quiet`, 'a quiet canary can only live in the bot'],
    ]) {
      const { responseUrl } = await h.command(text!);
      await h.settle();
      expect(String(replyTo(responseUrl)?.args.text)).toContain(said);
    }
    expect((await h.store.allCanaries()).length).toBe(before);
  });

  it('says why when the member account has no role: minting in staging fails, plainly, and leaves nothing', async () => {
    const { responseUrl } = await h.command(`new x --account ${names.staging}`);
    await h.settle();
    expect(String(replyTo(responseUrl)?.args.text)).toMatch(
      new RegExp(
        `Nothing was minted: \`cannot act in account ${ids.staging}: assuming .*role/${MEMBER_ROLE_NAMES.jobs} failed \\(AccessDenied`,
      ),
    );
    expect((await h.store.allCanaries()).filter((c) => c.account === ids.staging)).toEqual([]);
  });
});
