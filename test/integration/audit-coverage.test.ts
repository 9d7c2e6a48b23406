import { randomBytes, randomInt } from 'node:crypto';
import { AccountClient } from '@aws-sdk/client-account';
import {
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryEventPattern, FORWARD_RULE_NAME, GUARD_FORWARD_RULE_NAME, guardEventPattern, RULE_STATE } from '../../infra/detection';
import type { AuditDeps, AuditReport } from '../../bot/audit';
import { failCommand } from '../support/aws-spy';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { assumeRole, enterAccount } from '../support/accounts';
import type { Credentials } from '../support/accounts';
import { awsEndpoint } from '../support/emulator';

/**
 * What the daily audit says about coverage: every enabled region forwarded (us-east-1 above
 * all), a trail recording management events (an organization trail of the management account
 * counts), and nothing waiting in the alert DLQ.
 *
 * The bot runs in a member account of its own (moto, through STS AssumeRole): trails and regions
 * other test files make in the default account stay out of this one, and its organization's
 * management account makes the organization trail. local/moto_server.py emulates what moto
 * lacks: account:ListRegions (the regions declared through /moto-api/static/account/regions) and
 * an organization trail as a member account sees it (listed, not readable).
 */

const endpoint = () => awsEndpoint();
const aws = (credentials: Credentials, region = 'us-east-1') => ({ region, endpoint: endpoint(), credentials });

/**
 * AWS Organizations in moto, without an Organizations client among the dependencies: a JSON 1.1
 * request whose credential scope names the service and the caller's key (moto takes the caller's
 * account from that key and checks no signature).
 */
async function organizations(credentials: Credentials, action: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(endpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSOrganizationsV20161128.${action}`,
      'x-amz-security-token': credentials.sessionToken,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/us-east-1/organizations/aws4_request, SignedHeaders=content-type;host;x-amz-target, Signature=${'0'.repeat(64)}`,
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Organizations ${action}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The emulator's stand-in for the account's region opt-in state (moto has no ListRegions). */
async function declareRegions(accountId: string, regions: Record<string, string>): Promise<void> {
  const res = await fetch(`${endpoint()}/moto-api/static/account/regions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account_id: accountId,
      regions: Object.entries(regions).map(([RegionName, RegionOptStatus]) => ({ RegionName, RegionOptStatus })),
    }),
  });
  expect(res.status).toBe(201);
}

/** aws-sdk-client-mock style: the named command answers `output` without reaching the emulator. */
function answer(client: CloudTrailClient, commandName: string, output: Record<string, unknown>): void {
  client.middlewareStack.add(
    (next, context) => async (args) =>
      context.commandName === commandName ? ({ output: { $metadata: {}, ...output }, response: {} } as never) : next(args),
    { step: 'initialize', name: `answer-${commandName}-${Math.random()}` },
  );
}

describe('the audit proves the account covered: regions forwarded, a trail recording, the DLQ empty', () => {
  let h: Harness;
  let member: Credentials;
  let memberId: string;
  let managementId: string;
  let trailArn: string;
  let dlqUrl: string;
  let makeOrgTrail: () => Promise<string>;
  let runAudit: (deps: AuditDeps) => Promise<AuditReport>;
  const tag = randomBytes(4).toString('hex');
  const trailName = `org-trail-${tag}`;

  beforeAll(async () => {
    // A management account, its organization, and a member account for the bot.
    managementId = String(randomInt(100_000_000_000, 999_999_999_999));
    const management = await enterAccount(managementId, 'OrganizationAdmin');
    await organizations(management, 'CreateOrganization', { FeatureSet: 'ALL' });
    const created = (await organizations(management, 'CreateAccount', {
      Email: `canaries-${tag}@example.com`,
      AccountName: `canaries-${tag}`,
    })) as { CreateAccountStatus: { AccountId: string } };
    memberId = created.CreateAccountStatus.AccountId;
    member = await assumeRole(`arn:aws:iam::${memberId}:role/OrganizationAccountAccessRole`, management);

    // The organization trail, made in the management account when a test asks.
    await new S3Client({ ...aws(management), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: `org-trail-${tag}` }));
    makeOrgTrail = async () => {
      const ct = new CloudTrailClient(aws(management));
      const arn = (
        await ct.send(
          new CreateTrailCommand({
            Name: trailName,
            S3BucketName: `org-trail-${tag}`,
            IsMultiRegionTrail: true,
            IsOrganizationTrail: true,
          }),
        )
      ).TrailARN!;
      await ct.send(new StartLoggingCommand({ Name: trailName }));
      return arn;
    };

    dlqUrl = (await new SQSClient(aws(member)).send(new CreateQueueCommand({ QueueName: `alerts-dlq-${tag}` }))).QueueUrl!;
    await declareRegions(memberId, { 'us-east-1': 'ENABLED_BY_DEFAULT', 'eu-west-1': 'ENABLED_BY_DEFAULT', 'af-south-1': 'DISABLED' });
    h = await startHarness({
      env: {
        AWS_ACCESS_KEY_ID: member.accessKeyId,
        AWS_SECRET_ACCESS_KEY: member.secretAccessKey,
        AWS_SESSION_TOKEN: member.sessionToken,
        CANARY_REGIONS: 'us-east-1,eu-west-1',
        ALERT_DLQ_URL: dlqUrl,
      },
    });
    ({ runAudit } = await import('../../bot/checks/audit-run'));
    // The forwarding rule the CDK app puts in every other region, from the same pattern code.
    await new EventBridgeClient(aws(member, 'eu-west-1')).send(
      new PutRuleCommand({
        Name: FORWARD_RULE_NAME,
        EventPattern: JSON.stringify(canaryEventPattern(h.userPath, memberId)),
        State: RULE_STATE,
      }),
    );
  }, 60_000);
  afterAll(() => h?.close());

  const reportVia = async () => {
    const { responseUrl } = await h.command('audit');
    await h.settle();
    const reply = h.standin.calls.filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!)).at(-1)!;
    return JSON.stringify(reply.args.blocks);
  };
  const deps = (overrides: Partial<AuditDeps['config']> = {}, clients: AuditDeps['clients'] = {}): AuditDeps => ({
    config: { ...h.audit.runtime.config, ...overrides },
    store: h.audit.runtime.store,
    aws: h.audit.runtime.aws,
    clients,
  });

  it('reports the real problem while no trail covers the account', async () => {
    expect((await new CloudTrailClient(aws(member)).send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList).toEqual([]);
    const report = await reportVia();
    expect(report).toContain('Canary audit: 1 problem');
    expect(report).toContain('no logging multi-region trail records all management events');
    expect(report).not.toContain('forwarding');
  });

  it('counts a logging organization trail of the management account as coverage, and says whose it is', async () => {
    trailArn = await makeOrgTrail();
    // The member account lists the trail, under the management account's ARN, but cannot read it:
    // what makes it a note and not a check.
    const seen = (await new CloudTrailClient(aws(member)).send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
    expect(seen).toMatchObject([
      { TrailARN: `arn:aws:cloudtrail:us-east-1:${managementId}:trail/${trailName}`, IsOrganizationTrail: true, IsMultiRegionTrail: true },
    ]);
    await expect(new CloudTrailClient(aws(member)).send(new GetTrailStatusCommand({ Name: trailArn }))).rejects.toMatchObject({
      name: 'CloudTrailARNInvalidException',
    });
    const report = await reportVia();
    expect(report).toContain('Canary audit: all intact');
    expect(report).toContain(
      `covered by the organization trail ${trailName} of account ${managementId} (home region us-east-1), which a member account cannot read: its logging is checked in that account.`,
    );
    // A note is no problem: the daily run stays silent in the channel.
    const before = h.standin.calls.length;
    expect(await h.audit.handler({ task: 'daily' })).toEqual({ task: 'daily', problems: 0 });
    expect(h.standin.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
  });

  it('judges an organization trail it can read like any other (AWS documents GetTrailStatus by ARN for member accounts)', async () => {
    const stopped = await runAudit(
      deps(
        {},
        {
          cloudTrail: (region) => {
            const ct = new CloudTrailClient({ region });
            answer(ct, 'GetTrailStatusCommand', { IsLogging: false });
            return ct;
          },
        },
      ),
    );
    expect(stopped.findings).toContainEqual(
      expect.objectContaining({ scope: 'CloudTrail', problem: 'no logging multi-region trail records all management events' }),
    );
    expect(stopped.notes).toEqual([]);
    const logging = await runAudit(
      deps(
        {},
        {
          cloudTrail: (region) => {
            const ct = new CloudTrailClient({ region });
            answer(ct, 'GetTrailStatusCommand', { IsLogging: true });
            answer(ct, 'GetEventSelectorsCommand', {
              TrailARN: trailArn,
              EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
            });
            return ct;
          },
        },
      ),
    );
    expect(logging.findings).toEqual([]);
    expect(logging.notes).toEqual([]);
  });

  it('names each enabled region left out of the forwarding, and no other', async () => {
    await declareRegions(memberId, {
      'us-east-1': 'ENABLED_BY_DEFAULT',
      'eu-west-1': 'ENABLED_BY_DEFAULT',
      'ap-southeast-2': 'ENABLED_BY_DEFAULT',
      'me-central-1': 'ENABLED',
      'ap-east-1': 'ENABLING',
      'af-south-1': 'DISABLED',
    });
    const report = await reportVia();
    expect(report).toContain('Canary audit: 2 problems');
    for (const region of ['ap-southeast-2', 'me-central-1']) {
      expect(report).toContain(
        `*forwarding (${region})*: \`the region is enabled in this account but not forwarded: calls with a canary key in ${region} are never seen`,
      );
    }
    expect(report).toContain('add it to -c regions and redeploy');
    for (const quiet of ['ap-east-1', 'af-south-1', 'forwarding (eu-west-1)', 'forwarding (us-east-1)'])
      expect(report).not.toContain(quiet);
    await declareRegions(memberId, { 'us-east-1': 'ENABLED_BY_DEFAULT', 'eu-west-1': 'ENABLED_BY_DEFAULT' });
  });

  it('says us-east-1 must be forwarded, once, whatever the home region', async () => {
    const report = await runAudit(deps({ region: 'eu-west-1', regions: ['eu-west-1'] }));
    const east = report.findings.filter((f) => f.scope === 'forwarding (us-east-1)');
    expect(east).toHaveLength(1);
    expect(east[0]!.problem).toMatch(
      /^not forwarded: calls with a canary key in us-east-1 are never seen .*calls to IAM and to the global STS endpoint \(sts\.amazonaws\.com\) from anywhere/,
    );
    expect(east[0]!.fix).toBe('add us-east-1 to -c regions and redeploy');
    expect(report.notes).toHaveLength(1); // the organization trail covers eu-west-1 too
  });

  it("checks the guard's rules: at home, and the one forwarding IAM's events from us-east-1", async () => {
    const home = await runAudit(deps());
    expect(home.findings.filter((f) => f.scope.startsWith('guard'))).toEqual([]); // the harness made the home rule
    const away = await runAudit(deps({ region: 'eu-west-1', regions: ['eu-west-1', 'us-east-1'], detectionRuleName: 'nowhere-detect' }));
    const guard = away.findings.filter((f) => f.scope.startsWith('guard'));
    expect(guard.map((f) => f.scope)).toEqual(['guard (eu-west-1)', 'guard forwarding (us-east-1)']);
    expect(guard[1]!.problem).toBe(`the rule ${GUARD_FORWARD_RULE_NAME} does not exist: canary use there goes unseen`);
    await new EventBridgeClient(aws(member, 'us-east-1')).send(
      new PutRuleCommand({ Name: GUARD_FORWARD_RULE_NAME, EventPattern: JSON.stringify(guardEventPattern(memberId)), State: RULE_STATE }),
    );
    const fixed = await runAudit(deps({ region: 'eu-west-1', regions: ['eu-west-1', 'us-east-1'], detectionRuleName: 'nowhere-detect' }));
    expect(fixed.findings.filter((f) => f.scope === 'guard forwarding (us-east-1)')).toEqual([]);
  });

  it('says so when the enabled regions cannot be listed', async () => {
    const report = await runAudit(
      deps(
        {},
        {
          account: (region) => {
            const account = new AccountClient({ region });
            failCommand(account as unknown as Parameters<typeof failCommand>[0], 'ListRegionsCommand', {
              name: 'AccessDeniedException',
              message: 'User is not authorized to perform: account:ListRegions',
            });
            return account;
          },
        },
      ),
    );
    expect(report.findings).toEqual([
      {
        scope: 'forwarding',
        problem:
          'the regions enabled in this account could not be listed (AccessDeniedException), so a region left out of -c regions would go unnoticed',
        fix: "allow account:ListRegions to the bot's role (redeploy the CDK app)",
      },
    ]);
  });

  it('shows what waits in the alert DLQ, in the channel every day until someone redrives it', async () => {
    const sqs = new SQSClient(aws(member));
    for (let i = 0; i < 3; i++)
      await sqs.send(
        new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify({ Type: 'Notification', Message: `undelivered ${i}` }) }),
      );
    expect(await reportVia()).toContain(
      '*alert dead-letter queue*: `3 alert messages wait in the dead-letter queue: alerts that never reached the channel`\\n   _Fix:_ `fix the cause, then /canary redrive`',
    );
    const before = h.standin.calls.length;
    expect(await h.audit.handler({ task: 'daily' })).toEqual({ task: 'daily', problems: 1 });
    const post = h.standin.calls.slice(before).find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1');
    expect(JSON.stringify(post?.args.blocks)).toContain('3 alert messages wait in the dead-letter queue');
    await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
    expect(await reportVia()).toContain('Canary audit: all intact');
  });

  it('says so when the DLQ cannot be read', async () => {
    const report = await runAudit(deps({ alertDlqUrl: dlqUrl.replace(/[^/]+$/, `gone-${tag}`) }));
    expect(report.findings).toEqual([
      expect.objectContaining({
        scope: 'alert dead-letter queue',
        problem: expect.stringMatching(/^its depth could not be read \(\w+\), so alerts that were never delivered may wait there unseen$/),
      }),
    ]);
  });
});
