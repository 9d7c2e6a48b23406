import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, CfnCondition, CfnParameter, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { MEMBER_ROLE_NAMES } from '../bot/accounts';
import { botIamStatements } from './bot-policy';
import type { BotFunction, Statement } from './bot-policy';
import { canaryEventPattern, FORWARD_RULE_NAME, RULE_STATE } from './detection';

/** The home functions that act in member accounts, by the fixed names organization mode gives their roles. */
export const HOME_ROLE_NAMES = { jobs: 'aws-canary-bot-jobs', alert: 'aws-canary-bot-alert', audit: 'aws-canary-bot-audit' } as const;

export interface MemberSettings {
  organizationId: string;
  homeRegion: string;
  userPath: string;
}

/**
 * What the StackSet puts in every member account, in every forwarded region:
 * - in the home region only (IAM is global), three member roles, one per home function (jobs,
 *   alert, audit), each with that function's rights on the canary path, the tag and boundary
 *   conditions as at home, assumable only by that function's role (by ARN) from inside the organization;
 * - in every region, the forwarding rule: this account's canary calls, pinned to this account, to
 *   the home account's default bus, through a role that may put events there and nowhere else.
 * The home account comes in as a parameter (the StackSet passes its own account id).
 */
export class MemberStack extends Stack {
  constructor(scope: Construct, id: string, s: MemberSettings) {
    super(scope, id, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
    this.templateOptions.description = 'aws-canary-bot member account: the minting role and the forwarding rule';
    const home = new CfnParameter(this, 'HomeAccount', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      description: 'The account the bot runs in',
    }).valueAsString;
    const inHomeRegion = new CfnCondition(this, 'InHomeRegion', { expression: Fn.conditionEquals(Aws.REGION, s.homeRegion) });

    // One role per home function, each with only what that function does (as at home): the alert
    // function, which parses attacker-shaped input, can only read and disable here.
    for (const fn of ['jobs', 'alert', 'audit'] as const) {
      const role = new iam.CfnRole(this, `MemberRole${fn[0]!.toUpperCase()}${fn.slice(1)}`, {
        roleName: MEMBER_ROLE_NAMES[fn],
        description: `aws-canary-bot: what the bot's ${fn} function does to canaries under the canary path`,
        maxSessionDuration: 3600,
        assumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              // The home account, narrowed by ARN: the principal is the account, not the role, so the
              // trust survives the home role being replaced (an ARN principal becomes the old role's id).
              Principal: { AWS: `arn:${Aws.PARTITION}:iam::${home}:root` },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: { 'aws:PrincipalOrgID': s.organizationId },
                ArnEquals: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${home}:role/${HOME_ROLE_NAMES[fn]}` },
              },
            },
          ],
        },
        policies: [{ policyName: 'canaries', policyDocument: { Version: '2012-10-17', Statement: memberStatements(s.userPath, fn) } }],
      });
      role.cfnOptions.condition = inHomeRegion;
    }

    const homeBus = `arn:${Aws.PARTITION}:events:${s.homeRegion}:${home}:event-bus/default`;
    const forwarder = new iam.CfnRole(this, 'ForwardRole', {
      description: "aws-canary-bot: puts this account's canary calls on the home account's bus",
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      policies: [
        {
          policyName: 'put-home',
          policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: homeBus }] },
        },
      ],
    });
    new events.CfnRule(this, 'ForwardRule', {
      name: FORWARD_RULE_NAME,
      description: `aws-canary-bot: canary calls in this account and region, forwarded to ${s.homeRegion} of the bot's account`,
      eventPattern: canaryEventPattern(s.userPath, Aws.ACCOUNT_ID),
      state: RULE_STATE,
      targets: [{ id: 'home', arn: homeBus, roleArn: forwarder.attrArn }],
    });
  }
}

/**
 * A member role's rights: its function's statements (infra/bot-policy.ts) on this account's canary
 * path, without the quiet profile (its guard watches the home account only); the audit's and the
 * jobs' (which runs /canary audit) also read this account's forwarding rule.
 */
export function memberStatements(userPath: string, fn: BotFunction): Statement[] {
  const scope = { partition: Aws.PARTITION, account: Aws.ACCOUNT_ID, userPath };
  const own = botIamStatements(scope, fn).filter((st) => st.Sid !== 'CreateQuietCanaryUsersWithNoBoundaryAndTheTag');
  // The audit runs in the audit function daily and in jobs for /canary audit: both read the rule.
  if (fn === 'alert') return own;
  return [
    ...own,
    {
      Sid: 'AuditReadsTheForwardingRule',
      Effect: 'Allow',
      Action: ['events:DescribeRule'],
      Resource: `arn:${Aws.PARTITION}:events:*:${Aws.ACCOUNT_ID}:rule/${FORWARD_RULE_NAME}`,
    },
  ];
}

/** The member template as CloudFormation JSON, for the StackSet's TemplateBody (at most 51,200 bytes). */
export function memberTemplate(s: MemberSettings): Record<string, unknown> {
  // Its own app and folder: inside `cdk synth` the outer app's folder must not be written to.
  const outdir = mkdtempSync(join(tmpdir(), 'canary-member-'));
  try {
    const app = new App({ outdir });
    new MemberStack(app, 'Member', s);
    return app.synth().getStackByName('Member').template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
