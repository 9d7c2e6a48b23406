import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { CHECKOV_SKIPS } from '../../infra/checkov-skips';
import { ensureCheckers, venvBin } from '../../local/moto';
import { ACCOUNT, REGION, identityPolicies } from '../support/cfn-resolve';

/**
 * The synthesized stacks, in each configuration the app offers, through the field's own offline
 * checkers: cfn-lint (AWS's CloudFormation linter), checkov (Bridgecrew's IaC scanner) and
 * parliament (duo-labs' IAM policy linter, on AWS's Service Authorization Reference). Nothing here
 * can deploy to AWS and moto does not evaluate IAM, so these are what stand between a policy AWS
 * would refuse and a deployment that silently cannot do its job.
 */
const CONFIGURATIONS: Record<string, Record<string, string>> = {
  default: { regions: 'us-east-1,eu-west-1' },
  decoys: { regions: 'us-east-1', decoys: 's3,ecr', createTrail: 'true', heartbeat: 'true' },
  'pager-only': {
    regions: 'us-east-1',
    opsEmail: '',
    opsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:pager`,
    slackTeamId: 'T0123ABC',
    slackAppId: 'A0123ABC',
  },
};

const run = (cmd: string, args: string[], input?: string) =>
  spawnSync(venvBin(cmd), args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });

describe('the synthesized stacks pass cfn-lint, checkov and parliament', () => {
  let dir: string;
  const templates: string[] = [];
  beforeAll(async () => {
    await ensureCheckers();
    dir = mkdtempSync(join(tmpdir(), 'canary-checkers-'));
    const handlers = join(dir, 'handlers');
    mkdirSync(handlers);
    for (const h of ['slack', 'jobs', 'alert', 'audit']) writeFileSync(join(handlers, `${h}.js`), '');
    // A concrete account and region, as `cdk deploy` gives them.
    const before = [process.env.CDK_DEFAULT_ACCOUNT, process.env.CDK_DEFAULT_REGION];
    Object.assign(process.env, { CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION });
    try {
      for (const [name, extra] of Object.entries(CONFIGURATIONS)) {
        const out = join(dir, name);
        const context = {
          userPath: '/svc/',
          alertChannelId: 'C0ALERTS1',
          adminUserIds: 'U0ADMIN1',
          opsEmail: 'secops@example.com',
          homeRegion: REGION,
          ...extra,
        };
        const app = new App({ outdir: out, context: Object.fromEntries(Object.entries(context).filter(([, v]) => v !== '')) });
        buildApp(app, handlers);
        app.synth();
        templates.push(
          ...readdirSync(out)
            .filter((f) => f.endsWith('.template.json'))
            .map((f) => join(out, f)),
        );
      }
    } finally {
      for (const [k, v] of [
        ['CDK_DEFAULT_ACCOUNT', before[0]],
        ['CDK_DEFAULT_REGION', before[1]],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 300_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('synthesizes every configuration', () => {
    expect(templates.length).toBeGreaterThanOrEqual(Object.keys(CONFIGURATIONS).length + 1);
  });

  it('cfn-lint: no errors, and no warning but the two CDK itself causes', () => {
    const out = run('cfn-lint', ['--format', 'json', ...templates]);
    const findings = JSON.parse(out.stdout || '[]') as Array<{ Level: string; Rule: { Id: string }; Message: string; Filename: string }>;
    // Warnings CDK itself produces: a DependsOn that a Ref already implies, and Fn::GetAtt on a
    // custom resource's attribute, which cfn-lint cannot see in a schema.
    const known = ['W3005', 'W3694'];
    const unexpected = findings.filter((f) => f.Level === 'Error' || !known.includes(f.Rule.Id));
    expect(unexpected.map((e) => `${e.Level} ${e.Rule.Id} ${e.Filename}: ${e.Message}`)).toEqual([]);
  }, 120_000);

  it('checkov: no failure but the reviewed skips, and every skip still needed', () => {
    const seen = new Set<string>();
    const unexpected: string[] = [];
    // One run over every configuration's templates: checkov's start-up is most of its cost.
    const out = run('checkov', ['-d', dir, '--framework', 'cloudformation', '--quiet', '--compact', '-o', 'json']);
    const reports = [JSON.parse(out.stdout)].flat() as Array<{
      results: { failed_checks: Array<{ check_id: string; resource: string; file_path: string }> };
    }>;
    const files = new Set<string>();
    for (const f of reports.flatMap((r) => r.results.failed_checks)) {
      files.add(f.file_path.split('/').filter(Boolean)[0]!);
      const id = f.resource.split('.').pop()!;
      const skip = CHECKOV_SKIPS.find((s) => s.id === f.check_id && s.resources.some((prefix) => id.startsWith(prefix)));
      if (skip) seen.add(`${skip.id} ${skip.resources.find((prefix) => id.startsWith(prefix))}`);
      else unexpected.push(`${f.check_id} ${f.file_path} ${f.resource}`);
    }
    // Every configuration was read (each has findings the skips excuse, such as the functions' VPC).
    expect([...files].sort()).toEqual(Object.keys(CONFIGURATIONS).sort());
    expect(unexpected).toEqual([]);
    const stale = CHECKOV_SKIPS.flatMap((s) => s.resources.map((r) => `${s.id} ${r}`)).filter((k) => !seen.has(k));
    expect(stale, 'skips that match nothing any more: remove them').toEqual([]);
  }, 180_000);

  it('parliament: no finding at any level (LOW included: StringEquals on an ARN shows there), on every identity policy with its ARNs resolved', () => {
    const policies = Object.assign(
      {},
      ...templates.map((t) => identityPolicies(JSON.parse(readFileSync(t, 'utf8')), t.slice(dir.length + 1))),
    );
    expect(Object.keys(policies).length).toBeGreaterThan(8);
    const out = run('python', [new URL('../../local/lint_policies.py', import.meta.url).pathname], JSON.stringify(policies));
    expect(out.status, out.stderr).toBe(0);
    const findings = JSON.parse(out.stdout) as Array<{ policy: string; severity: string; issue: string; detail: unknown }>;
    expect(findings.map((f) => `${f.severity} ${f.issue} ${f.policy}: ${JSON.stringify(f.detail)}`)).toEqual([]);
  }, 120_000);
});
