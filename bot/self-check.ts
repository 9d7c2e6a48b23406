import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canaryEventPattern, FORWARD_RULE_NAME, RULE_STATE } from '../infra/detection';
import { awsErrorName } from './aws';
import { recordAction } from './audit';
import type { Config } from './config';
import { findKind } from './kinds';
import { log } from './log';
import { deleteSelfTestSecret } from './self-test';
import { allCanaries, updateCanary } from './store';
import type { CanaryRecord } from './store';

/**
 * The audit: a tripwire nobody checks is worse than none. Every canary is checked against what a
 * canary must be (an active key that is the key on record, no policy but ours, no password, no
 * group: the "Canary Access Token" conformity rule), and the pipeline against what detection
 * needs (the rule, its read-only-events state, its target, the forwarding rules, a logging
 * multi-region trail with management events). Expired canaries are retired, after saying so.
 */
export interface Finding {
  scope: string;
  problem: string;
  fix: string;
}

export interface CheckReport {
  canaries: number;
  findings: Finding[];
  expiring: CanaryRecord[];
  retired: CanaryRecord[];
}

export interface CheckDeps {
  config: Config;
  aws: { ddb: DynamoDBDocumentClient; iam: IAMClient };
}

/** Canaries this close to their expiry date are listed, so someone can rotate or extend them. */
const EXPIRY_WARNING_DAYS = 14;

export async function runSelfCheck(deps: CheckDeps, now = new Date()): Promise<CheckReport> {
  const findings: Finding[] = [];
  const canaries = await allCanaries(deps.aws.ddb, deps.config.table);
  const today = now.toISOString().slice(0, 10);
  const soon = new Date(now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000).toISOString().slice(0, 10);
  const retired: CanaryRecord[] = [];
  const expiring: CanaryRecord[] = [];

  for (const c of canaries) {
    if (c.status === 'retired' || c.status === 'unknown') continue;
    const kind = findKind(c.kind);
    if (!kind) continue;
    if (c.expiresOn && c.expiresOn <= today) {
      try {
        await kind.retire({ aws: deps.aws, config: deps.config }, c);
        if (c.selfTestSecretArn) await deleteSelfTestSecret(deps.config, c.selfTestSecretArn);
        await updateCanary(deps.aws.ddb, deps.config.table, c.id, 'SET #s = :r, retiredBy = :by, retiredAt = :at', undefined, { ':r': 'retired', ':by': 'expiry', ':at': now.toISOString() }, { '#s': 'status' });
        await recordAction(deps.aws.ddb, deps.config.table, c.id, { action: 'retired', by: 'expiry', detail: `expired on ${c.expiresOn}` });
        retired.push(c);
      } catch (err) {
        findings.push({ scope: `canary ${c.id}`, problem: `expired on ${c.expiresOn} but could not be retired (${awsErrorName(err)})`, fix: `retire it by hand: /canary retire ${c.id}` });
      }
      continue;
    }
    if (c.expiresOn && c.expiresOn <= soon) expiring.push(c);
    try {
      for (const f of await kind.audit({ aws: deps.aws, config: deps.config }, c)) findings.push({ scope: `canary ${c.id} (${c.location})`, ...f });
    } catch (err) {
      findings.push({ scope: `canary ${c.id}`, problem: `could not be checked (${awsErrorName(err)})`, fix: 'check the bot role\'s IAM permissions' });
    }
  }
  findings.push(...(await orphanUsers(deps, canaries)));
  findings.push(...(await checkPipeline(deps.config)));
  log.info('self-check done', { canaries: canaries.length, findings: findings.length, retired: retired.length, expiring: expiring.length });
  return { canaries: canaries.length, findings, expiring, retired };
}

/** IAM users under the canary path with no canary record: a mint killed midway, or made by hand. */
async function orphanUsers(deps: CheckDeps, canaries: CanaryRecord[]): Promise<Finding[]> {
  const known = new Set(canaries.map((c) => c.resource.userName).filter(Boolean));
  const findings: Finding[] = [];
  let marker: string | undefined;
  do {
    const page = await deps.aws.iam.send(new ListUsersCommand({ PathPrefix: deps.config.userPath, Marker: marker }));
    for (const u of page.Users ?? []) {
      if (u.UserName && u.Path === deps.config.userPath && !known.has(u.UserName)) {
        findings.push({ scope: `IAM user ${u.UserName}`, problem: 'is under the canary path but has no canary record (a mint interrupted, or a user made by hand); its use alerts as an unknown canary', fix: 'delete it in IAM, or leave it as an unknown canary on purpose' });
      }
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return findings;
}

async function checkRule(region: string, name: string, expectedPattern: string, scope: string): Promise<{ findings: Finding[]; arn?: string }> {
  const events = new EventBridgeClient({ region, maxAttempts: 3 });
  try {
    const rule = await events.send(new DescribeRuleCommand({ Name: name }));
    const findings: Finding[] = [];
    if (rule.State !== RULE_STATE) {
      findings.push({ scope, problem: `the rule ${name} is ${rule.State ?? 'in no state'}, so read-only calls such as sts:GetCallerIdentity are not delivered`, fix: `set its state to ${RULE_STATE} (redeploy the CDK app)` });
    }
    if (rule.EventPattern && JSON.stringify(JSON.parse(rule.EventPattern)) !== expectedPattern) {
      findings.push({ scope, problem: `the rule ${name} has a different event pattern than the canary path needs`, fix: 'redeploy the CDK app' });
    }
    return { findings, arn: rule.Arn };
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') return { findings: [{ scope, problem: `the rule ${name} does not exist: canary use there goes unseen`, fix: 'redeploy the CDK app' }] };
    return { findings: [{ scope, problem: `the rule ${name} could not be read (${awsErrorName(err)})`, fix: "check the bot role's permissions" }] };
  } finally {
    events.destroy();
  }
}

async function checkPipeline(config: Config): Promise<Finding[]> {
  const pattern = JSON.stringify(canaryEventPattern(config.userPath));
  const home = await checkRule(config.region, config.detectionRuleName, pattern, `detection (${config.region})`);
  const findings = [...home.findings];
  if (home.arn && config.alertTopicArn) {
    const events = new EventBridgeClient({ region: config.region, maxAttempts: 3 });
    const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: config.detectionRuleName }))).Targets ?? [];
    events.destroy();
    if (!targets.some((t) => t.Arn === config.alertTopicArn)) findings.push({ scope: `detection (${config.region})`, problem: 'the detection rule does not deliver to the alert topic', fix: 'redeploy the CDK app' });
  }
  for (const region of config.regions.filter((r) => r !== config.region)) {
    findings.push(...(await checkRule(region, FORWARD_RULE_NAME, pattern, `forwarding (${region})`)).findings);
  }
  findings.push(...(await checkTrail(config.region)));
  return findings;
}

/** EventBridge only sees CloudTrail management events if a trail records them, everywhere. */
async function checkTrail(region: string): Promise<Finding[]> {
  const ct = new CloudTrailClient({ region, maxAttempts: 3 });
  const fix = 'turn on a multi-region trail (or an organization trail) recording management events, read and write';
  try {
    const trails = (await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
    for (const t of trails.filter((x) => x.IsMultiRegionTrail)) {
      const status = await ct.send(new GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }));
      if (!status.IsLogging) continue;
      const sel = await ct.send(new GetEventSelectorsCommand({ TrailName: t.TrailARN ?? t.Name }));
      const basic = (sel.EventSelectors ?? []).some((e) => e.IncludeManagementEvents !== false && (e.ReadWriteType ?? 'All') === 'All');
      const advanced = (sel.AdvancedEventSelectors ?? []).some(
        (a) => a.FieldSelectors?.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management')) && !a.FieldSelectors?.some((f) => f.Field === 'readOnly'),
      );
      if (basic || advanced || (!sel.EventSelectors?.length && !sel.AdvancedEventSelectors?.length)) return [];
    }
    return [{ scope: 'CloudTrail', problem: 'no logging multi-region trail records all management events', fix }];
  } catch (err) {
    return [{ scope: 'CloudTrail', problem: `the trails could not be read (${awsErrorName(err)})`, fix }];
  } finally {
    ct.destroy();
  }
}
