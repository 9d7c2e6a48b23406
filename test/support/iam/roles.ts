import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyStatement } from './evaluate';

/**
 * Each function's role as the CDK app synthesizes it: the statements of every policy attached to
 * it (intrinsics unresolved) and the environment the app gives the function, which is what binds
 * the template's resources to the names a test's bot uses (CANARY_TABLE is the table...).
 * Synthesized once per run (test/support/global-setup.ts) in the configurations the tests use.
 */
export interface SynthesizedRole {
  statements: unknown[];
  environment: Record<string, unknown>;
}
export interface SynthesizedRoles {
  /** slack, jobs, alert, audit: the home functions. */
  functions: Record<string, SynthesizedRole>;
  /** Organization mode: the member roles by name (aws-canary-bot-member-jobs...), intrinsics unresolved. */
  members: Record<string, unknown[]>;
  /** Logical id to resource type, to resolve Ref and GetAtt. */
  types: Record<string, string>;
}
export type Variant = 'single' | 'organization';

type Resource = { Type: string; Properties?: Record<string, unknown> };
const statementsOf = (doc: unknown): unknown[] => {
  const st = (doc as { Statement?: unknown } | undefined)?.Statement;
  return st === undefined ? [] : Array.isArray(st) ? st : [st];
};
const refId = (v: unknown) => (v as { Ref?: string })?.Ref ?? ((v as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt'] ?? [])[0];

function rolesOf(resources: Record<string, Resource>): Record<string, unknown[]> {
  const byRole: Record<string, unknown[]> = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const inline = (r.Properties?.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? [];
    byRole[id] = inline.flatMap((p) => statementsOf(p.PolicyDocument));
  }
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    for (const role of (r.Properties?.Roles as unknown[] | undefined) ?? []) {
      const id = refId(role);
      if (id && byRole[id]) byRole[id]!.push(...statementsOf(r.Properties?.PolicyDocument));
    }
  }
  // AWSLambdaBasicExecutionRole (logs) is the only managed policy the functions have; the bot's own calls never need it.
  return byRole;
}

const FUNCTIONS = { slack: 'SlackFunction', jobs: 'JobsFunction', alert: 'AlertFunction', audit: 'AuditFunction' };

export async function synthesizeRoles(variant: Variant): Promise<SynthesizedRoles> {
  const { App } = await import('aws-cdk-lib');
  const { buildApp } = await import('../../../infra/app');
  const { memberTemplate } = await import('../../../infra/member-stack');
  const dir = mkdtempSync(join(tmpdir(), 'canary-roles-'));
  try {
    writeFileSync(join(dir, 'slack.js'), '');
    const context: Record<string, string> = {
      userPath: '/svc/',
      alertChannelId: 'C0ALERTS1',
      adminUserIds: 'U0ADMIN1',
      opsEmail: 'secops@example.com',
      homeRegion: 'us-east-1',
      regions: 'us-east-1',
      decoys: 's3,ecr',
      heartbeat: 'true',
      ...(variant === 'organization' ? { organization: 'o-abc123def4' } : {}),
    };
    const app = new App({ context });
    const { home } = buildApp(app, dir);
    const template = app.synth().getStackByName(home.stackName).template as { Resources: Record<string, Resource> };
    const roles = rolesOf(template.Resources);
    const functions: Record<string, SynthesizedRole> = {};
    for (const [name, prefix] of Object.entries(FUNCTIONS)) {
      const [, fn] =
        Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix)) ?? [];
      if (!fn) throw new Error(`no ${prefix} in the synthesized home stack`);
      const role = refId(fn.Properties?.Role);
      functions[name] = {
        statements: roles[role ?? ''] ?? [],
        environment: ((fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {}) as Record<string, unknown>,
      };
    }
    const members: Record<string, unknown[]> = {};
    if (variant === 'organization') {
      const member = memberTemplate({ organizationId: 'o-abc123def4', homeRegion: 'us-east-1', userPath: '/svc/' }) as {
        Resources: Record<string, Resource>;
      };
      const memberRoles = rolesOf(member.Resources);
      for (const [id, r] of Object.entries(member.Resources))
        if (r.Type === 'AWS::IAM::Role' && typeof r.Properties?.RoleName === 'string') members[r.Properties.RoleName] = memberRoles[id]!;
    }
    const types = Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
    return { functions, members, types };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The settings whose synthesized value names resources in ARNs, bound to the test's own value. */
const LITERAL_NAMES = ['CANARY_USER_PATH', 'DETECTION_RULE_NAME', 'SELF_TEST_SECRET_PREFIX', 'ORGANIZATION_ID'];

/** Where a test's bot is: the account and region its functions run in, and their environment. */
export interface Place {
  account: string;
  region: string;
  env: Record<string, string | undefined>;
}

/**
 * The template's references resolved to the test's own resources: a resource the function's
 * environment names is bound to what the test's environment says (CANARY_TABLE: Ref Table is the
 * test's table), a literal in that environment to the test's value (the detection rule's name, the
 * canary path); any other resource gets a name no test resource has, so a call that needs it is refused.
 */
export function resolveRole(
  role: SynthesizedRole | { statements: unknown[]; environment?: Record<string, unknown> },
  types: Record<string, string>,
  place: Place,
  functionEnv: Record<string, unknown> = role.environment ?? {},
): PolicyStatement[] {
  const { account, region } = place;
  const refs: Record<string, string> = {};
  const arns: Record<string, string> = {};
  const literals: Array<[string, string]> = [];
  for (const [k, synthesized] of Object.entries(functionEnv)) {
    const actual = place.env[k];
    if (!actual) continue;
    if (typeof synthesized === 'string') {
      // Only names that appear inside ARNs: a substring swap of anything else ("false", a region)
      // would rewrite conditions and widen the role.
      if (LITERAL_NAMES.includes(k) && synthesized !== actual) literals.push([synthesized, actual]);
      continue;
    }
    const id = refId(synthesized);
    if (!id) continue;
    if ((synthesized as { Ref?: string }).Ref) refs[id] = actual;
    else arns[id] = actual;
  }
  const arnOf = (id: string): string => {
    if (arns[id]) return arns[id];
    const name = refs[id] ?? `UNBOUND-${id}`;
    switch (types[id]) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${name.split('/').pop()}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${name}`;
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
        return refs[id] ?? `arn:aws:${types[id] === 'AWS::SNS::Topic' ? 'sns' : 'secretsmanager'}:${region}:${account}:${name}`;
      case 'AWS::CloudTrail::Trail':
        return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name.toLowerCase()}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${name}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${name}`;
      default:
        return `arn:aws:unbound:${region}:${account}:${name}`;
    }
  };
  const pseudo: Record<string, string> = {
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (typeof v === 'string') return literals.reduce((s, [from, to]) => s.split(from).join(to), v);
    if (!v || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref') return pseudo[String(arg)] ?? refs[String(arg)] ?? (types[String(arg)] ? `UNBOUND-${String(arg)}` : String(arg));
      if (fn === 'Fn::GetAtt') {
        const [id, attr] = arg as [string, string];
        return attr.endsWith('Arn') ? arnOf(id) : `UNBOUND-${id}-${attr}`;
      }
      if (fn === 'Fn::Join') {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(sep);
      }
      if (fn === 'Fn::Sub' && typeof arg === 'string')
        return resolve(
          arg.replace(/\$\{([^}]+)\}/g, (_, k: string) => String(resolve(k.includes('.') ? { 'Fn::GetAtt': k.split('.') } : { Ref: k }))),
        );
      if (fn.startsWith('Fn::')) throw new Error(`the IAM check cannot resolve ${fn} in a synthesized policy`);
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, resolve(x)]));
  };
  return statementsOf({ Statement: resolve(role.statements) }) as PolicyStatement[];
}
