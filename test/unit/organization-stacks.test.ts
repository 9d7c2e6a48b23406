import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ROLE_NAMES } from '../../bot/accounts';
import { buildApp } from '../../infra/app';
import { FORWARD_RULE_NAME, organizationEventPattern, RULE_STATE } from '../../infra/detection';
import { HOME_ROLE_NAMES } from '../../infra/member-stack';
import { MEMBER_STACK_SET_NAME } from '../../infra/organization';

const BASE = {
  userPath: '/svc/',
  alertChannelId: 'C0ALERTS1',
  adminUserIds: 'U0ADMIN1',
  opsEmail: 'secops@example.com',
  homeRegion: 'us-east-1',
  regions: 'us-east-1,eu-west-1',
};

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; Condition?: string }>;

/** `cdk synth -c organization=o-abc123def4`, offline: what organization mode adds (test/unit/infra-stacks.test.ts: that it adds nothing unasked). */
describe('organization mode in the CDK app', () => {
  let dir: string;
  let home: Template;
  let stackSet: Record<string, unknown>;
  let member: { Resources: Resources; Parameters: Record<string, unknown>; Conditions: Record<string, unknown> };
  let body: string;
  beforeAll(() => {
    // Synth needs a folder for the functions' code, not the bundles themselves (test/unit/infra-stacks builds those).
    dir = mkdtempSync(join(tmpdir(), 'canary-org-'));
    writeFileSync(join(dir, 'slack.js'), '');
    home = Template.fromStack(buildApp(new App({ context: { ...BASE, organization: 'o-abc123def4' } }), dir).home);
    stackSet = Object.values(home.findResources('AWS::CloudFormation::StackSet'))[0]!.Properties as Record<string, unknown>;
    body = stackSet.TemplateBody as string;
    member = JSON.parse(body) as typeof member;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deploys a service-managed StackSet with automatic deployment to the whole organization, in every forwarded region', () => {
    expect(stackSet).toMatchObject({
      StackSetName: MEMBER_STACK_SET_NAME,
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [{ ParameterKey: 'HomeAccount', ParameterValue: { Ref: 'AWS::AccountId' } }],
    });
    // The whole organization is its root, read at deploy (ListRoots): StackSets take units, not the organization id.
    const [group] = stackSet.StackInstancesGroup as Array<{ DeploymentTargets: { OrganizationalUnitIds: unknown[] }; Regions: string[] }>;
    expect(group!.Regions).toEqual(['us-east-1', 'eu-west-1']);
    // Not the bot's own account, whose forwarders already own the rule's name.
    expect(group!.DeploymentTargets).toMatchObject({ Accounts: [{ Ref: 'AWS::AccountId' }], AccountFilterType: 'DIFFERENCE' });
    expect(group!.DeploymentTargets.OrganizationalUnitIds).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^OrganizationRoot/), 'Roots.0.Id'] },
    ]);
    home.hasResourceProperties('Custom::AWS', { Create: Match.stringLikeRegexp('"action":"ListRoots"') });
    expect(Buffer.byteLength(body)).toBeLessThan(51_200); // TemplateBody's limit
  });

  it('targets only the units given with -c ous, and the management account with -c orgAdmin=management', () => {
    const t = Template.fromStack(
      buildApp(
        // The home region alone: no forwarder stack to synthesize for what this test looks at.
        new App({
          context: {
            ...BASE,
            regions: 'us-east-1',
            organization: 'o-abc123def4',
            ous: 'ou-ab12-cdefgh34,ou-ab12-ijklmn56',
            orgAdmin: 'management',
          },
        }),
        dir,
      ).home,
    );
    t.hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'SELF',
      StackInstancesGroup: [Match.objectLike({ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdefgh34', 'ou-ab12-ijklmn56'] } })],
    });
    t.resourceCountIs('Custom::AWS', 0);
  });

  const memberRole = (fn: keyof typeof MEMBER_ROLE_NAMES) =>
    Object.values(member.Resources).filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === MEMBER_ROLE_NAMES[fn]);
  const statementsOf = (fn: keyof typeof MEMBER_ROLE_NAMES) =>
    (memberRole(fn)[0]!.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>)[0]!.PolicyDocument
      .Statement;

  it("puts one role per bot function in each member account, once, assumable only by that function's role from inside the organization", () => {
    const roleArn = (n: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'HomeAccount' }, `:role/${n}`]],
    });
    for (const fn of ['jobs', 'alert', 'audit'] as const) {
      const roles = memberRole(fn);
      expect(roles).toHaveLength(1);
      // IAM is global: only the home region's instance makes them, or the other regions' would collide.
      expect(roles[0]!.Condition).toBe('InHomeRegion');
      const trust = (roles[0]!.Properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'HomeAccount' }, ':root']] } },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' },
            ArnEquals: { 'aws:PrincipalArn': roleArn(HOME_ROLE_NAMES[fn]) },
          },
        },
      ]);
    }
    expect(member.Conditions.InHomeRegion).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
  });

  it('lets the jobs role act only on the canary path, with the tag and deny-all boundary conditions, and never arm a canary', () => {
    const statements = statementsOf('jobs');
    const users = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':user/svc/*']] };
    const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
    const create = bySid('CreateCanaryUsersOnlyWithDenyAllBoundaryAndTag')!;
    expect(create.Resource).toEqual(users);
    expect(JSON.stringify(create.Condition)).toMatch(/"ArnEquals":\{"iam:PermissionsBoundary":.*:iam::aws:policy\/AWSDenyAll/);
    // No quiet canaries in a member account: their guard watches the home account's IAM only.
    expect(bySid('CreateQuietCanaryUsersWithNoBoundaryAndTheTag')).toBeUndefined();
    expect(bySid('MintDisableRotateRetireCanaries')).toMatchObject({ Resource: users, Condition: { Null: expect.any(Object) } });
    expect(bySid('NeverGiveCanariesPower')).toMatchObject({ Effect: 'Deny', Action: expect.arrayContaining(['iam:AttachUserPolicy']) });
    // Users on the canary path only; besides them, /canary audit (run in jobs) reads the forwarding rule.
    for (const st of statements.filter((x) => x.Effect === 'Allow' && x.Resource !== '*' && x.Sid !== 'AuditReadsTheForwardingRule'))
      expect(JSON.stringify(st.Resource), String(st.Sid)).toMatch(/user\/svc\/\*/);
    expect(bySid('AuditReadsTheForwardingRule')).toMatchObject({ Action: ['events:DescribeRule'] });
    expect(JSON.stringify(bySid('AuditReadsTheForwardingRule')!.Resource)).toMatch(/:rule\/aws-canary-bot-forward"/);
    // "*" only where IAM has no resource type: listing users and roles for names in the account's style.
    expect(statements.filter((x) => x.Resource === '*' && x.Effect === 'Allow').flatMap((x) => x.Action as string[])).toEqual([
      'iam:ListUsers',
      'iam:GetAccountAuthorizationDetails',
      'iam:ListRoles',
    ]);
  });

  it('gives the alert role (attacker-shaped input) only reads and disabling, and the audit role no minting', () => {
    const allowed = (fn: 'alert' | 'audit') =>
      statementsOf(fn)
        .filter((st) => st.Effect === 'Allow')
        .flatMap((st) => st.Action as string[]);
    for (const action of ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:TagUser', 'iam:PutUserPolicy']) {
      expect(allowed('alert')).not.toContain(action);
      expect(allowed('audit')).not.toContain(action);
    }
    expect(allowed('alert')).toContain('iam:UpdateAccessKey');
    expect(allowed('audit')).toEqual(expect.arrayContaining(['iam:GetAccessKeyLastUsed', 'iam:DeleteUser', 'events:DescribeRule']));
  });

  it("forwards the member's own canary calls, read-only ones included, to the home bus through a role that may put events there only", () => {
    const rule = Object.values(member.Resources).find((r) => r.Type === 'AWS::Events::Rule')!;
    expect(rule.Condition).toBeUndefined(); // every region
    expect(rule.Properties).toMatchObject({ Name: FORWARD_RULE_NAME, State: RULE_STATE });
    const pattern = rule.Properties.EventPattern as Record<string, unknown>;
    expect(pattern.account).toEqual([{ Ref: 'AWS::AccountId' }]);
    expect(pattern.source).toEqual([{ prefix: 'aws.' }]);
    const homeBus = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:', { Ref: 'HomeAccount' }, ':event-bus/default']],
    };
    const [target] = rule.Properties.Targets as Array<Record<string, unknown>>;
    expect(target).toMatchObject({ Arn: homeBus, RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } });
    const forwardRole = member.Resources[(target!.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!]!;
    expect(forwardRole.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(forwardRole.Properties.Policies).toEqual([
      {
        PolicyName: 'put-home',
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: homeBus }] },
      },
    ]);
  });

  it("opens the home bus to the organization's accounts only, and detects their calls there", () => {
    home.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'default',
      Statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } },
      },
    });
    home.hasResourceProperties('AWS::Events::Rule', { Name: 'aws-canary-bot-detect', EventPattern: organizationEventPattern('/svc/') });
  });

  it('names the home roles the trust expects, lets them assume the member role in the organization only, and tells the functions', () => {
    for (const name of Object.values(HOME_ROLE_NAMES)) home.hasResourceProperties('AWS::IAM::Role', { RoleName: name });
    const policies = home.findResources('AWS::IAM::Policy');
    const assume = Object.values(policies).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>).filter((st) => st.Action === 'sts:AssumeRole'),
    );
    expect(assume).toHaveLength(3);
    expect(assume.map((st) => JSON.stringify(st.Resource).match(/role\/([\w-]+)/)?.[1]).sort()).toEqual(
      Object.values(MEMBER_ROLE_NAMES).sort(),
    );
    for (const st of assume) expect(st).toMatchObject({ Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-abc123def4' } } });
    home.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'alert.handler',
      Environment: { Variables: Match.objectLike({ MEMBER_ROLE_NAME: MEMBER_ROLE_NAMES.alert }) },
    });
    home.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'slack.handler',
      Environment: { Variables: Match.objectLike({ ORGANIZATION_ID: 'o-abc123def4', HOME_ACCOUNT_ID: { Ref: 'AWS::AccountId' } }) },
    });
  });

  it('lets the jobs and audit roles, which run the audit, call DescribeOrganization (on "*", its only resource) and no other role', () => {
    const roleIds = Object.fromEntries(
      Object.entries(home.findResources('AWS::IAM::Role')).map(([id, r]) => [id, r.Properties.RoleName as string | undefined]),
    );
    const granted = Object.values(home.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
        .filter((st) => [st.Action].flat().includes('organizations:DescribeOrganization'))
        .flatMap((st) => (p.Properties.Roles as Array<{ Ref: string }>).map((r) => ({ role: roleIds[r.Ref], resource: st.Resource }))),
    );
    expect(granted.map((g) => g.role).sort()).toEqual([HOME_ROLE_NAMES.audit, HOME_ROLE_NAMES.jobs].sort());
    for (const g of granted) expect(g.resource).toBe('*');
  });

  it('refuses a malformed organization id or unit, and units without an organization', () => {
    const build = (ctx: Record<string, string>) => () => buildApp(new App({ context: { ...BASE, ...ctx } }), dir);
    expect(build({ organization: 'o-short' })).toThrow(/-c organization must be an organization id/);
    expect(build({ organization: 'o-abc123def4', ous: 'sales' })).toThrow(/-c ous must list/);
    expect(build({ ous: 'ou-ab12-cdefgh34' })).toThrow(/-c ous needs -c organization/);
    expect(build({ organization: 'o-abc123def4', orgAdmin: 'root' })).toThrow(/-c orgAdmin must be/);
  });
});
