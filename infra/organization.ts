import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { MEMBER_ROLE_NAMES } from '../bot/accounts';
import { HOME_ROLE_NAMES, memberTemplate } from './member-stack';

export interface OrganizationSettings {
  /** o-xxxxxxxxxx */
  organizationId: string;
  /** Organizational units (ou-... or the root r-...) whose accounts get the member stack; all of them when empty. */
  ous: string[];
  /** SELF in the management account; DELEGATED_ADMIN in a delegated administrator for StackSets (AWS's advice). */
  callAs: 'SELF' | 'DELEGATED_ADMIN';
  regions: string[];
  homeRegion: string;
  userPath: string;
}

export const MEMBER_STACK_SET_NAME = 'aws-canary-bot-members';

/**
 * Organization mode on the home stack (README "Many accounts"): a service-managed StackSet with
 * automatic deployment puts the member stack (infra/member-stack.ts) in every account of the
 * organization, or of the given units, in every forwarded region, and in accounts that join
 * later; the home bus takes events from the organization only; the functions that act in member
 * accounts get fixed role names (the member role's trust names them) and may assume the member
 * role in the organization's accounts only.
 */
export function addOrganization(
  stack: Stack,
  fns: { slack: lambda.Function; jobs: lambda.Function; alert: lambda.Function; audit: lambda.Function },
  s: OrganizationSettings,
): void {
  for (const fn of Object.values(fns)) {
    fn.addEnvironment('ORGANIZATION_ID', s.organizationId);
    fn.addEnvironment('HOME_ACCOUNT_ID', Aws.ACCOUNT_ID);
  }
  for (const name of ['jobs', 'alert', 'audit'] as const) {
    const fn = fns[name];
    (fn.role!.node.defaultChild as iam.CfnRole).addPropertyOverride('RoleName', HOME_ROLE_NAMES[name]);
    fn.addEnvironment('MEMBER_ROLE_NAME', MEMBER_ROLE_NAMES[name]);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [`arn:${Aws.PARTITION}:iam::*:role/${MEMBER_ROLE_NAMES[name]}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': s.organizationId } },
      }),
    );
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${MEMBER_ROLE_NAMES[name]}]`,
      reason: 'The member role in any account of the organization (aws:ResourceOrgID): accounts join after the deploy.',
    });
  }
  // The account list: the mint job resolves --account, the audit looks for accounts without the stack.
  // DescribeOrganization: the audit (daily in audit, /canary audit in jobs) skips the management
  // account, which a service-managed StackSet never reaches (bot/org-accounts.ts managementAccount).
  // Neither action has a resource type in the Service Authorization Reference ("If there is no value
  // for this column, you must specify all resources ("*")"), so "*" is the only grant there is.
  for (const fn of [fns.jobs, fns.audit]) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['organizations:ListAccounts', 'organizations:DescribeOrganization'], resources: ['*'] }),
    );
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'organizations:ListAccounts and organizations:DescribeOrganization have no resource type.',
    });
  }

  // The home default bus takes events from the organization's accounts, and from nobody else.
  new events.CfnEventBusPolicy(stack, 'OrganizationBusPolicy', {
    eventBusName: 'default',
    statementId: 'aws-canary-bot-organization',
    statement: {
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`,
      Condition: { StringEquals: { 'aws:PrincipalOrgID': s.organizationId } },
    },
  });

  const targets = s.ous.length ? s.ous : [organizationRoot(stack)];
  new cloudformation.CfnStackSet(stack, 'MemberStackSet', {
    stackSetName: MEMBER_STACK_SET_NAME,
    description: 'aws-canary-bot: the member role and forwarding rules in every account of the organization',
    permissionModel: 'SERVICE_MANAGED',
    callAs: s.callAs,
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    capabilities: ['CAPABILITY_NAMED_IAM'],
    managedExecution: { Active: true },
    operationPreferences: { regionConcurrencyType: 'PARALLEL', maxConcurrentPercentage: 25, failureTolerancePercentage: 10 },
    parameters: [{ parameterKey: 'HomeAccount', parameterValue: Aws.ACCOUNT_ID }],
    // Not the home account: a delegated administrator sits in the units too, and its own stacks
    // already own the forwarding rule's name (and its detection rule is the target).
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: targets, accounts: [Aws.ACCOUNT_ID], accountFilterType: 'DIFFERENCE' },
        regions: s.regions,
      },
    ],
    templateBody: JSON.stringify(memberTemplate({ organizationId: s.organizationId, homeRegion: s.homeRegion, userPath: s.userPath })),
  });
}

/** The organization's root (r-...), read at deploy: StackSets target units, and the root is the one holding every account. */
function organizationRoot(stack: Stack): string {
  const call: cr.AwsSdkCall = {
    service: 'organizations',
    action: 'ListRoots',
    region: 'us-east-1', // Organizations' endpoint
    outputPaths: ['Roots.0.Id'],
    physicalResourceId: cr.PhysicalResourceId.of('organization-root'),
  };
  const roots = new cr.AwsCustomResource(stack, 'OrganizationRoot', {
    onCreate: call,
    onUpdate: call,
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    installLatestAwsSdk: false,
  });
  Validations.of(roots).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'organizations:ListRoots has no resource type.' });
  // CDK's one function behind every AwsCustomResource of the stack.
  const provider = stack.node.tryFindChild(cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '').replace(/^/, 'AWS'));
  if (provider)
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's AwsCustomResource provider: its own logs only.",
    });
  return roots.getResponseField('Roots.0.Id');
}
