/**
 * `npm run bench:scale`: the self-checks at the sizes organization mode invites, against moto with
 * IAM throttled and slowed (local/moto_server.py). Two fleets:
 *   - one account with BENCH_ONE (5,000) canaries (IAM allows 5,000 users an account);
 *   - BENCH_ACCOUNTS (500) member accounts of an organization with BENCH_FLEET (10,000) canaries.
 * For each: the daily audit, one /canary audit, and 20 minutes of silent-use ticks (every 5
 * minutes, the clock advanced, as the schedule would), each printing IAM calls, wall time here,
 * the time projected at 40 ms an IAM call and IAM_CALLS_PER_SECOND (8) per account across the
 * audit function's 4 consumers, canaries checked, findings. The bot's pace is lifted here
 * (BENCH_PACE, 150 a second) so the run takes minutes, not the hour the real pace would: the
 * projection is what the real pace gives. Prints numbers; asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand, ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { calls, inEmulatedAccount, resetCalls, throttle, total } from '../local/emulator-control';
import { bootstrap } from '../local/bootstrap';
import { startMoto } from '../local/moto';
import { startSlackStandin } from '../local/slack-standin';
import { DENY_ALL_BOUNDARY, DENY_ALL_POLICY, DENY_ALL_POLICY_NAME, REGISTRY_TAG } from '../bot/kinds/aws-key';
import type { CanaryRecord } from '../bot/model/canary';

// The emulator takes any credentials; the organization is made before the fleet's environment is set.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
const ONE = Number(process.env.BENCH_ONE ?? 5_000);
const FLEET = Number(process.env.BENCH_FLEET ?? 10_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 500);
const PACE = Number(process.env.BENCH_PACE ?? 150);
const REAL_PACE = 8;
const CONSUMERS = 4;
const MS_PER_CALL = 40;
const HOME = '123456789012';
const PATH = '/svc/bench/';

const inAccount = <C extends IAMClient>(client: C, account: string): C => inEmulatedAccount(client, account, { unpaced: true });

/** Real IAM users, as the mint makes them (tag, boundary, deny-all policy, one key), and their records. */
async function seed(endpoint: string, account: string, n: number, prefix: string): Promise<CanaryRecord[]> {
  const iam = inAccount(new IAMClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), account);
  const records: CanaryRecord[] = [];
  const one = async (i: number) => {
    const id = `${prefix}${String(i).padStart(5, '0')}`;
    const UserName = `bench-${id}`;
    const user = await iam.send(
      new CreateUserCommand({ UserName, Path: PATH, PermissionsBoundary: DENY_ALL_BOUNDARY, Tags: [{ Key: REGISTRY_TAG, Value: id }] }),
    );
    await iam.send(new PutUserPolicyCommand({ UserName, PolicyName: DENY_ALL_POLICY_NAME, PolicyDocument: DENY_ALL_POLICY }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName }))).AccessKey!;
    records.push({
      id,
      kind: 'aws-key',
      location: `host-${i}`,
      owner: 'U0OWNER1',
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      createdBy: 'UADMIN001',
      status: 'active',
      ...(account === HOME ? {} : { account }),
      aliases: [key.AccessKeyId!],
      resource: { userName: UserName, userArn: user.User!.Arn!, accessKeyId: key.AccessKeyId! },
    } as CanaryRecord);
  };
  for (let i = 0; i < n; i += 20) await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, k) => one(i + k)));
  iam.destroy();
  return records;
}

/** The audit function's 4 consumers, each account's calls at most at the real pace and 40 ms a call. */
function projectedSeconds(byAccount: Map<string, number>): number {
  const perCall = Math.max(MS_PER_CALL / 1000, 1 / REAL_PACE);
  const loads = [...byAccount.values()].map((n) => n * perCall).sort((a, b) => b - a);
  const consumers = Array.from({ length: CONSUMERS }, () => 0);
  for (const l of loads) consumers[consumers.indexOf(Math.min(...consumers))]! += l;
  return Math.max(0, ...consumers);
}

async function measure(label: string, endpoint: string, work: () => Promise<{ checked: number; findings: number }>) {
  await resetCalls(endpoint);
  const t0 = performance.now();
  const r = await work();
  const wall = (performance.now() - t0) / 1000;
  const counted = await calls(endpoint);
  const iamCalls = total(counted, 'iam');
  const throttled = counted.filter((c) => c.service === 'iam').reduce((n, c) => n + c.throttled, 0);
  const byAccount = new Map<string, number>();
  for (const c of counted.filter((x) => x.service === 'iam'))
    byAccount.set(c.account, (byAccount.get(c.account) ?? 0) + c.count - c.throttled);
  const projected = projectedSeconds(byAccount);
  console.log(
    `${label.padEnd(44)} IAM calls ${String(iamCalls).padStart(7)} (${throttled} throttled)  wall ${wall.toFixed(1).padStart(6)} s` +
      `  projected ${(projected / 60).toFixed(1).padStart(5)} min  checked ${String(r.checked).padStart(6)}  findings ${r.findings}`,
  );
}

async function fleet(name: string, layout: (endpoint: string) => Promise<{ accounts: string[]; perAccount: number[]; org?: string }>) {
  const moto = await startMoto();
  const { accounts, perAccount, org } = await layout(moto.url);
  const standin = await startSlackStandin();
  const table = `bench-${randomBytes(3).toString('hex')}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789',
    SLACK_BOT_TOKEN: 'xoxb-1-bench',
    SLACK_TEAM_ID: 'T0BENCH01',
    SLACK_APP_ID: 'A0BENCH01',
    SLACK_API_URL: standin.apiUrl,
    ALERT_CHANNEL_ID: 'C0ALERTS1',
    CANARY_TABLE: table,
    CANARY_USER_PATH: PATH,
    ADMIN_USER_IDS: 'UADMIN001',
    IAM_CALLS_PER_SECOND: String(PACE),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    SILENT_USE_GRACE_SECONDS: '0',
    ...(org ? { ORGANIZATION_ID: org, HOME_ACCOUNT_ID: HOME, MEMBER_ROLE_NAME: 'aws-canary-bot-member-audit' } : {}),
  });
  const resources = await bootstrap({ table, region: 'us-east-1', userPath: PATH });
  Object.assign(process.env, {
    DETECTION_RULE_NAME: resources.ruleName,
    ALERT_TOPIC_ARN: resources.topicArn,
    ALERT_DLQ_URL: resources.dlqUrl,
  });
  const { loadConfig } = await import('../bot/config');
  const { createRuntime } = await import('../bot/runtime');
  const { runAudit } = await import('../bot/checks/audit-run');
  const { checkSilentUse } = await import('../bot/checks/silent-sweep');
  const rt = createRuntime(loadConfig());
  const t0 = performance.now();
  let seeded = 0;
  for (const [i, account] of accounts.entries()) {
    if (account !== HOME) {
      const iam = inAccount(new IAMClient({ region: 'us-east-1', endpoint: moto.url }), account);
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'aws-canary-bot-member-audit',
          AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
        }),
      );
      iam.destroy();
    }
    for (const r of await seed(moto.url, account, perAccount[i]!, `${name[0]}${i}-`)) {
      await rt.store.putNewCanary(r);
      seeded++;
    }
  }
  console.log(`${name}: seeded ${seeded} canaries in ${accounts.length} account(s) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await throttle(moto.url, { rate: PACE * 1.2, burst: PACE, latencyMs: 2, services: ['iam', 'sts', 'organizations'] });
  const audited = async () => {
    const r = await runAudit(rt);
    return { checked: r.canaries, findings: r.findings.length };
  };
  await measure(`${name}: daily audit`, moto.url, audited);
  await measure(`${name}: /canary audit`, moto.url, audited);
  await measure(`${name}: silent-use, 20 minutes of 5-minute ticks`, moto.url, async () => {
    let raised = 0;
    const start = Date.now();
    for (let t = 0; t <= 20; t += 5) raised += await checkSilentUse(rt, start + t * 60_000);
    const sweeps = await rt.store.getSweeps(accounts.map((a) => (a === HOME ? '' : a)));
    return { checked: sweeps.reduce((n, s) => n + (s.completedAt ? s.keys : 0), 0), findings: raised };
  });
  await throttle(moto.url, { rate: 0 });
  await standin.close();
  await moto.stop();
}

async function organization(endpoint: string, n: number): Promise<{ id: string; accounts: string[] }> {
  const org = new OrganizationsClient({ region: 'us-east-1', endpoint });
  const id = (await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!.Id!;
  for (let i = 0; i < n; i++) await org.send(new CreateAccountCommand({ AccountName: `team-${i}`, Email: `team-${i}@example.com` }));
  const accounts: string[] = [];
  let next: string | undefined;
  do {
    const page = await org.send(new ListAccountsCommand({ NextToken: next }));
    accounts.push(...(page.Accounts ?? []).map((a) => a.Id!).filter((a) => a !== HOME));
    next = page.NextToken;
  } while (next);
  org.destroy();
  return { id, accounts };
}

if (ONE) await fleet('one account', async () => ({ accounts: [HOME], perAccount: [ONE] }));
if (FLEET)
  await fleet('organization', async (endpoint) => {
    const { id, accounts } = await organization(endpoint, ACCOUNTS);
    return {
      accounts,
      perAccount: accounts.map((_, i) => Math.floor(FLEET / accounts.length) + (i < FLEET % accounts.length ? 1 : 0)),
      org: id,
    };
  });
