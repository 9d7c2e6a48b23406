import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { memberCredentials } from './accounts';
import { managementAccount, refreshOrgAccounts } from './org-accounts';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import type { GetEventSelectorsCommandOutput, Trail } from '@aws-sdk/client-cloudtrail';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  canaryEventPattern,
  FORWARD_RULE_NAME,
  GUARD_FORWARD_RULE_NAME,
  guardEventPattern,
  organizationEventPattern,
  RULE_STATE,
} from '../infra/detection';
import type { Config } from './config';
import type { Core, WithIam } from './deps';
import { errorName as awsErrorName } from './errors';
import type { CanaryRecord } from './model/canary';
import type { OrgAccount } from './store/org-accounts';

/**
 * The audit: a tripwire nobody checks is worse than none. Every canary is checked against what a
 * canary must be (an active key that is the key on record, no policy but ours, no password, no
 * group: the "Canary Access Token" conformity rule), and the pipeline against what detection
 * needs (the rule, its read-only-events state, its target, the forwarding rules, every enabled
 * region forwarded, a logging multi-region trail with management events, an empty alert DLQ).
 * Expired canaries are retired, after saying so.
 */
export interface Finding {
  scope: string;
  problem: string;
  fix: string;
}

/** What the report says of a canary it names. */
export type NamedCanary = Pick<CanaryRecord, 'id' | 'location' | 'expiresOn'>;

export interface AuditReport {
  canaries: number;
  findings: Finding[];
  /** What the audit relies on without being able to check it from here (no problem, no finding). */
  notes: string[];
  expiring: NamedCanary[];
  retired: NamedCanary[];
}

export type AuditDeps = Core &
  WithIam & {
    /** Where the coverage checks get their clients (one per check and region); tests add SDK middleware. */
    clients?: Partial<CoverageClients>;
  };

export interface CoverageClients {
  account(region: string): AccountClient;
  cloudTrail(region: string): CloudTrailClient;
  sqs(region: string): SQSClient;
  sts(region: string): STSClient;
}

const defaultClients: CoverageClients = {
  account: (region) => new AccountClient({ region, maxAttempts: 3 }),
  cloudTrail: (region) => new CloudTrailClient({ region, maxAttempts: 3 }),
  sqs: (region) => new SQSClient({ region, maxAttempts: 3 }),
  sts: (region) => new STSClient({ region, maxAttempts: 3 }),
};

/**
 * The checks that do not grow with the canaries, run first and reported on their own: the home
 * pipeline (rules, targets, regions, trail, DLQ) and IAM users under the path with no record.
 */
export async function checkHome(deps: AuditDeps, canaries: CanaryRecord[]): Promise<{ findings: Finding[]; notes: string[] }> {
  const orphans = await orphanUsers(deps, canaries).catch((err: unknown): Finding[] => [
    {
      scope: `IAM users under ${deps.config.userPath}`,
      problem: `could not be listed (${awsErrorName(err)}), so users under the canary path without a record go unnoticed`,
      fix: "allow iam:ListUsers on * to the bot's role (redeploy the CDK app)",
    },
  ]);
  const pipeline = await checkPipeline(deps.config, { ...defaultClients, ...deps.clients });
  return { findings: [...orphans, ...pipeline.findings], notes: pipeline.notes };
}

/** IAM users under the canary path with no canary record: a mint killed midway, or made by hand. */
async function orphanUsers(deps: AuditDeps, canaries: CanaryRecord[]): Promise<Finding[]> {
  // The home account's users; a member account's canary of the same name is another user.
  const known = new Set(
    canaries
      .filter((c) => !c.account)
      .map((c) => c.resource.userName)
      .filter(Boolean),
  );
  const findings: Finding[] = [];
  let marker: string | undefined;
  do {
    const page = await deps.aws.iam.send(new ListUsersCommand({ PathPrefix: deps.config.userPath, Marker: marker }));
    for (const u of page.Users ?? []) {
      if (u.UserName && u.Path === deps.config.userPath && !known.has(u.UserName)) {
        findings.push({
          scope: `IAM user ${u.UserName}`,
          problem:
            'is under the canary path but has no canary record (a mint interrupted, or a user made by hand); its use alerts as an unknown canary',
          fix: 'delete it in IAM, or leave it as an unknown canary on purpose',
        });
      }
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return findings;
}

async function checkRule(
  region: string,
  name: string,
  expectedPattern: string | undefined,
  scope: string,
  credentials?: ReturnType<typeof memberCredentials>,
): Promise<{ findings: Finding[]; arn?: string }> {
  const events = new EventBridgeClient({ region, maxAttempts: 3, ...(credentials ? { credentials } : {}) });
  try {
    const rule = await events.send(new DescribeRuleCommand({ Name: name }));
    const findings: Finding[] = [];
    if (rule.State !== RULE_STATE) {
      findings.push({
        scope,
        problem: `the rule ${name} is ${rule.State ?? 'in no state'}, so read-only calls such as sts:GetCallerIdentity are not delivered`,
        fix: `set its state to ${RULE_STATE} (redeploy the CDK app)`,
      });
    }
    if (expectedPattern && rule.EventPattern && JSON.stringify(JSON.parse(rule.EventPattern)) !== expectedPattern) {
      findings.push({
        scope,
        problem: `the rule ${name} has a different event pattern than the canary path needs`,
        fix: 'redeploy the CDK app',
      });
    }
    return { findings, arn: rule.Arn };
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException')
      return {
        findings: [{ scope, problem: `the rule ${name} does not exist: canary use there goes unseen`, fix: 'redeploy the CDK app' }],
      };
    return {
      findings: [{ scope, problem: `the rule ${name} could not be read (${awsErrorName(err)})`, fix: "check the bot role's permissions" }],
    };
  } finally {
    events.destroy();
  }
}

async function checkPipeline(config: Config, clients: CoverageClients): Promise<{ findings: Finding[]; notes: string[] }> {
  // The pattern names the account (infra/detection.ts); the caller's account is the one served.
  const account = await callerAccount(config.region, clients);
  const pattern = account ? JSON.stringify(canaryEventPattern(config.userPath, account)) : undefined;
  const homePattern = config.organizationId ? JSON.stringify(organizationEventPattern(config.userPath)) : pattern;
  const home = await checkRule(config.region, config.detectionRuleName, homePattern, `detection (${config.region})`);
  const findings = [...home.findings];
  if (home.arn && config.alertTopicArn) {
    const events = new EventBridgeClient({ region: config.region, maxAttempts: 3 });
    const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: config.detectionRuleName }))).Targets ?? [];
    events.destroy();
    if (!targets.some((t) => t.Arn === config.alertTopicArn))
      findings.push({
        scope: `detection (${config.region})`,
        problem: 'the detection rule does not deliver to the alert topic',
        fix: 'redeploy the CDK app',
      });
  }
  for (const region of config.regions.filter((r) => r !== config.region)) {
    findings.push(...(await checkRule(region, FORWARD_RULE_NAME, pattern, `forwarding (${region})`)).findings);
  }
  // The guard (bot/guard.ts): its rule at home, and in us-east-1, where IAM's events arrive, the one that forwards them.
  const guard = account ? JSON.stringify(guardEventPattern(account)) : undefined;
  findings.push(...(await checkRule(config.region, `${config.detectionRuleName}-guard`, guard, `guard (${config.region})`)).findings);
  if (config.region !== 'us-east-1')
    findings.push(...(await checkRule('us-east-1', GUARD_FORWARD_RULE_NAME, guard, 'guard forwarding (us-east-1)')).findings);
  findings.push(...(await checkRegions(config, clients)));
  const trail = await checkTrail(config.region, clients);
  findings.push(...trail.findings, ...(await checkDlq(config, clients)));
  return { findings, notes: trail.notes };
}

/**
 * Organization mode: every active account of the organization has the member stack (the bot can
 * assume its role) and its forwarding rule in every forwarded region, in the state and with the
 * pattern detection needs. An account the StackSet has not reached is named, with why it matters.
 * The accounts to check, or the finding that they could not be listed; each account is then its
 * own work item (bot/checks/audit-run.ts), so 500 accounts are checked side by side.
 */
export async function memberAccounts(deps: AuditDeps): Promise<{ accounts: OrgAccount[]; findings: Finding[] }> {
  const { config } = deps;
  if (!config.organizationId) return { accounts: [], findings: [] };
  let accounts;
  try {
    accounts = await refreshOrgAccounts(deps);
  } catch (err) {
    return {
      accounts: [],
      findings: [
        {
          scope: `organization ${config.organizationId}`,
          problem: `its accounts could not be listed (${awsErrorName(err)}), so an account without the member stack goes unnoticed`,
          fix: 'run the bot in the management account or a delegated administrator (organizations:ListAccounts)',
        },
      ],
    };
  }
  // The StackSet never reaches the management account: not a finding, every day (README, Many accounts).
  const management = await managementAccount(deps).catch(() => undefined);
  return { accounts: accounts.filter((a) => a.state === 'ACTIVE' && a.id !== config.homeAccountId && a.id !== management), findings: [] };
}

export async function checkMember(deps: AuditDeps, a: Pick<OrgAccount, 'id' | 'name'>): Promise<Finding[]> {
  const { config } = deps;
  const regions = [...new Set([config.region, ...config.regions])];
  const scope = `account ${a.name} (${a.id})`;
  const credentials = memberCredentials(config, a.id);
  try {
    await credentials();
  } catch (err) {
    return [
      {
        scope,
        problem: `has no member stack (the bot cannot assume its role there: ${awsErrorName(err)}): canaries cannot be minted there, and its calls are not forwarded`,
        fix: 'make its organizational unit a target of the StackSet (-c ous=...), or check the StackSet instance for this account; the management account never gets one from the StackSet',
      },
    ];
  }
  const pattern = JSON.stringify(canaryEventPattern(config.userPath, a.id));
  const found: Finding[] = [];
  for (const region of regions)
    found.push(...(await checkRule(region, FORWARD_RULE_NAME, pattern, `${scope}, forwarding (${region})`, credentials)).findings);
  return found;
}

/** CloudTrail delivers the events of IAM and of STS's global endpoint in us-east-1, wherever the caller is. */
const GLOBAL_EVENTS_REGION = 'us-east-1';

/**
 * EventBridge sees a call only in the region where it was made: every region the account can
 * use needs its forwarding rule, or a canary key used there goes unseen (the silent-use net may
 * still notice the key moved, minutes later, without the call).
 */
async function checkRegions(config: Config, clients: CoverageClients): Promise<Finding[]> {
  const forwarded = new Set([config.region, ...config.regions]);
  const unseen = (where: string) =>
    `calls with a canary key in ${where} are never seen (at most the silent-use net notices, minutes later)`;
  const findings: Finding[] = [];
  if (!forwarded.has(GLOBAL_EVENTS_REGION)) {
    findings.push({
      scope: `forwarding (${GLOBAL_EVENTS_REGION})`,
      problem: `not forwarded: ${unseen(GLOBAL_EVENTS_REGION)}, and so are calls to IAM and to the global STS endpoint (sts.amazonaws.com) from anywhere, which CloudTrail delivers in ${GLOBAL_EVENTS_REGION}`,
      fix: `add ${GLOBAL_EVENTS_REGION} to -c regions and redeploy`,
    });
  }
  const account = clients.account(config.region);
  try {
    const enabled = new Set<string>();
    let token: string | undefined;
    // Some 35 regions exist, 50 per page: the bound only guards against a token that never ends.
    for (let page = 0; page < 20 && (page === 0 || token); page++) {
      const out = await account.send(
        new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 50, NextToken: token }),
      );
      for (const r of out.Regions ?? []) if (r.RegionName) enabled.add(r.RegionName);
      token = out.NextToken;
    }
    for (const region of [...enabled].sort()) {
      if (forwarded.has(region) || region === GLOBAL_EVENTS_REGION) continue; // us-east-1: reported above
      findings.push({
        scope: `forwarding (${region})`,
        problem: `the region is enabled in this account but not forwarded: ${unseen(region)}`,
        fix: 'add it to -c regions and redeploy',
      });
    }
  } catch (err) {
    findings.push({
      scope: 'forwarding',
      problem: `the regions enabled in this account could not be listed (${awsErrorName(err)}), so a region left out of -c regions would go unnoticed`,
      fix: "allow account:ListRegions to the bot's role (redeploy the CDK app)",
    });
  } finally {
    account.destroy();
  }
  return findings;
}

/** The account a trail belongs to, from its ARN (an organization trail keeps its management account's). */
const trailAccount = (arn: string | undefined) => /^arn:[\w-]+:cloudtrail:[\w-]+:(\d{12}):trail\//.exec(arn ?? '')?.[1];

async function callerAccount(region: string, clients: CoverageClients): Promise<string | undefined> {
  const sts = clients.sts(region);
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account; // needs no permission
  } catch {
    return undefined;
  } finally {
    sts.destroy();
  }
}

/** Whether a trail's selectors record every management event, read-only ones included. */
function recordsManagementEvents(sel: GetEventSelectorsCommandOutput): boolean {
  const basic = (sel.EventSelectors ?? []).some((e) => e.IncludeManagementEvents !== false && (e.ReadWriteType ?? 'All') === 'All');
  const advanced = (sel.AdvancedEventSelectors ?? []).some(
    (a) =>
      a.FieldSelectors?.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management')) &&
      !a.FieldSelectors?.some((f) => f.Field === 'readOnly'),
  );
  return basic || advanced || (!sel.EventSelectors?.length && !sel.AdvancedEventSelectors?.length);
}

/**
 * EventBridge only sees CloudTrail management events if a trail records them, everywhere. An
 * organization trail made in the management account covers this account too: a member account
 * sees it (DescribeTrails with shadow trails, its ARN in the management account), but by every
 * report may not read its status or selectors (CloudTrailARNInvalidException; the bot's own role
 * may be scoped to its account's trails too). Such a multi-region trail counts as coverage, with
 * a note saying whose it is: its logging is the management account's to check.
 */
async function checkTrail(region: string, clients: CoverageClients): Promise<{ findings: Finding[]; notes: string[] }> {
  const ct = clients.cloudTrail(region);
  const fix = 'turn on a multi-region trail (or an organization trail) recording management events, read and write';
  try {
    let trails: Trail[];
    try {
      trails = ((await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []).filter(
        (t) => t.IsMultiRegionTrail,
      );
    } catch (err) {
      return { findings: [{ scope: 'CloudTrail', problem: `the trails could not be read (${awsErrorName(err)})`, fix }], notes: [] };
    }
    const self = await callerAccount(region, clients);
    const foreign = (t: Trail) => Boolean(t.IsOrganizationTrail && trailAccount(t.TrailARN) && trailAccount(t.TrailARN) !== self);
    trails.sort((a, b) => Number(foreign(a)) - Number(foreign(b))); // the account's own trails first
    const elsewhere: Trail[] = [];
    const unreadable: string[] = [];
    for (const t of trails) {
      const id = t.TrailARN ?? t.Name ?? '';
      try {
        const status = await ct.send(new GetTrailStatusCommand({ Name: id }));
        if (!status.IsLogging) continue;
        if (recordsManagementEvents(await ct.send(new GetEventSelectorsCommand({ TrailName: id })))) return { findings: [], notes: [] };
      } catch (err) {
        if (foreign(t)) elsewhere.push(t);
        else unreadable.push(`${t.Name ?? id} (${awsErrorName(err)})`);
      }
    }
    if (elsewhere.length) {
      const notes = elsewhere.map(
        (t) =>
          `CloudTrail: covered by the organization trail ${t.Name ?? t.TrailARN} of account ${trailAccount(t.TrailARN)} (home region ${t.HomeRegion ?? 'unknown'}), which a member account cannot read: its logging is checked in that account.`,
      );
      return { findings: [], notes };
    }
    if (unreadable.length) {
      return {
        findings: [
          {
            scope: 'CloudTrail',
            problem: `no trail read here logs all management events, and ${unreadable.join(', ')} could not be read`,
            fix: "check the bot role's cloudtrail:GetTrailStatus and cloudtrail:GetEventSelectors permissions",
          },
        ],
        notes: [],
      };
    }
    return { findings: [{ scope: 'CloudTrail', problem: 'no logging multi-region trail records all management events', fix }], notes: [] };
  } finally {
    ct.destroy();
  }
}

/** The trail check alone, for the deploy-time check (bot/deploy-check.ts). */
export const checkTrailCoverage = (region: string, clients: Partial<CoverageClients> = {}) =>
  checkTrail(region, { ...defaultClients, ...clients });

/** What EventBridge or the alert queue could not deliver waits in the DLQ until someone redrives it. */
async function checkDlq(config: Config, clients: CoverageClients): Promise<Finding[]> {
  if (!config.alertDlqUrl) return [];
  const sqs = clients.sqs(config.region);
  const scope = 'alert dead-letter queue';
  try {
    const attributes =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: config.alertDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] })))
        .Attributes ?? {};
    const waiting = Number(attributes.ApproximateNumberOfMessages ?? 0);
    if (!(waiting > 0)) return [];
    return [
      {
        scope,
        problem: `${waiting} alert message${waiting === 1 ? '' : 's'} wait${waiting === 1 ? 's' : ''} in the dead-letter queue: alerts that never reached the channel`,
        fix: 'fix the cause, then /canary redrive',
      },
    ];
  } catch (err) {
    return [
      {
        scope,
        problem: `its depth could not be read (${awsErrorName(err)}), so alerts that were never delivered may wait there unseen`,
        fix: "check ALERT_DLQ_URL and the bot role's sqs:GetQueueAttributes permission on the queue",
      },
    ];
  } finally {
    sqs.destroy();
  }
}
