import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  canaryEventPattern,
  CLOUDTRAIL_API_CALL,
  FORWARD_RULE_NAME,
  GUARD_FORWARD_RULE_NAME,
  guardEventPattern,
  RULE_STATE,
} from './detection';
import { TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { ALERT_QUEUE_NAME, createOpsTopic, failedInvocations, opsAlarm } from './ops';

/**
 * Every other region: CloudTrail delivers a call's event to EventBridge in the region of the
 * call, so each region gets the same rule, forwarding matches to the home region's default bus.
 * What the rule cannot deliver waits in this region's DLQ, and either failure alarms through
 * this region's ops topic (an alarm can only notify a topic in its own region), which the ops
 * email and the home region's alert queue (so the bot says it in the channel) subscribe to.
 */
export class ForwarderStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { homeRegion: string; userPath: string; opsEmail?: string }) {
    super(scope, id, props);
    const home = events.EventBus.fromEventBusArn(
      this,
      'HomeBus',
      `arn:${Aws.PARTITION}:events:${props.homeRegion}:${Aws.ACCOUNT_ID}:event-bus/default`,
    );
    const dlq = new sqs.Queue(this, 'ForwardDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the forwarding rule.' });
    const rule = new events.Rule(this, 'ForwardRule', {
      ruleName: FORWARD_RULE_NAME,
      description: `aws-canary-bot: canary calls in this region, forwarded to ${props.homeRegion}`,
      eventPattern: { detailType: [CLOUDTRAIL_API_CALL] },
      targets: [new targets.EventBus(home, { deadLetterQueue: dlq })], // an event bus target takes no retry policy
    });
    const cfn = rule.node.defaultChild as events.CfnRule;
    cfn.addPropertyOverride('EventPattern', canaryEventPattern(props.userPath, this.account));
    cfn.addPropertyOverride('State', RULE_STATE);

    // IAM's events are delivered in us-east-1 only: that region forwards the guard's too (bot/guard.ts).
    const guardRule =
      this.region === 'us-east-1'
        ? new events.Rule(this, 'GuardForwardRule', {
            ruleName: GUARD_FORWARD_RULE_NAME,
            description: `aws-canary-bot: changes to users' permissions, forwarded to ${props.homeRegion} for the guard`,
            eventPattern: { detailType: [CLOUDTRAIL_API_CALL] },
            targets: [new targets.EventBus(home, { deadLetterQueue: dlq })],
          })
        : undefined;
    if (guardRule) {
      const cfnGuard = guardRule.node.defaultChild as events.CfnRule;
      cfnGuard.addPropertyOverride('EventPattern', guardEventPattern(this.account));
      cfnGuard.addPropertyOverride('State', RULE_STATE); // the audit checks every rule of the app for this state
    }

    const ops = createOpsTopic(this, { email: props.opsEmail });
    new sns.Subscription(this, 'OpsToHomeQueue', {
      topic: ops,
      protocol: sns.SubscriptionProtocol.SQS,
      endpoint: `arn:${Aws.PARTITION}:sqs:${props.homeRegion}:${Aws.ACCOUNT_ID}:${ALERT_QUEUE_NAME}`,
    });
    opsAlarm(
      this,
      'ForwardFailedAlarm',
      failedInvocations(rule),
      `The forwarding rule in ${this.region} could not deliver to ${props.homeRegion}: canary calls in this region are not alerting. Check the rule's role; undelivered events wait in this region's forwarding DLQ.`,
      [ops],
    );
    if (guardRule)
      opsAlarm(
        this,
        'GuardForwardFailedAlarm',
        failedInvocations(guardRule),
        `The guard's forwarding rule in ${this.region} could not deliver to ${props.homeRegion}: a change to a canary's permissions would not be undone. Check the rule's role; undelivered events wait in this region's forwarding DLQ.`,
        [ops],
      );
    opsAlarm(
      this,
      'ForwardDlqDepthAlarm',
      dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      `Canary events from ${this.region} are waiting in its forwarding DLQ: they never reached the alert channel. Fix the cause, then move them to the home region's alert queue (aws sqs receive-message / send-message: the alert handler reads raw EventBridge events).`,
      [ops],
      0,
      TreatMissingData.IGNORE,
    );
    opsAlarm(
      this,
      'OpsTopicFailuresAlarm',
      ops.metricNumberOfNotificationsFailed({ period: Duration.minutes(1) }),
      `SNS could not deliver a pipeline alarm from ${this.region} (to the home alert queue, or to the email): check the subscriptions and the home queue's policy.`,
      [ops],
    );
  }
}
