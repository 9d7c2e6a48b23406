import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * The operations path: when the pipeline breaks, a person hears. Separate from the alert path
 * (its own topic in each region, which CloudWatch may publish to, and a human subscriber chosen
 * at deploy), and also delivered to the alert queue so the bot says it in the security channel.
 * Names are fixed so that a region's stack can reach the home region's queue, and the home queue
 * can let every region's ops topic in, without cross-region references.
 */
export const OPS_TOPIC_NAME = 'aws-canary-bot-ops';
export const ALERT_QUEUE_NAME = 'aws-canary-bot-alerts';
/** Every alarm's name starts so; the ops topics let only these publish (aws:SourceArn). */
export const ALARM_PREFIX = 'aws-canary-bot-';

export interface OpsSettings {
  /** An address that gets every alarm (SNS asks it to confirm once). */
  email?: string;
  /** An existing topic (a pager's) that alarms in the home region also notify. */
  pagerTopicArn?: string;
}

/** This region's ops topic: CloudWatch publishes to it only for this app's alarms in this account. */
export function createOpsTopic(scope: Construct, settings: OpsSettings, key?: kms.IKey): sns.Topic {
  const topic = new sns.Topic(scope, 'OpsTopic', {
    topicName: OPS_TOPIC_NAME,
    displayName: 'aws-canary-bot operations',
    enforceSSL: true,
    ...(key ? { masterKey: key } : {}),
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'ThisAppsAlarmsOnly',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${ALARM_PREFIX}*` },
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      },
    }),
  );
  if (settings.email) topic.addSubscription(new subs.EmailSubscription(settings.email));
  if (!key)
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm state changes only (names and thresholds of this app, no alert content); a customer managed key per region would cost more than it protects.',
    });
  return topic;
}

/**
 * EventBridge retries a target for up to 24 hours by default, and counts a failure only after:
 * an alert late by a day would raise no alarm. An hour of retries, then the DLQ and the alarm.
 */
export const TARGET_RETRY = { retryAttempts: 20, maxEventAge: Duration.hours(1) };

/** EventBridge's count of events a rule could not deliver to its target. */
export function failedInvocations(rule: events.IRule): cloudwatch.IMetric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'FailedInvocations',
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: 'Sum',
    period: Duration.minutes(1),
  });
}

/**
 * One alarm: above `threshold` in one period. The description is what the bot and the email say:
 * what broke, then what to do. Missing data is "not breaching": no traffic is no failure.
 */
export function opsAlarm(
  scope: Construct,
  id: string,
  metric: cloudwatch.IMetric,
  description: string,
  actions: sns.ITopic[],
  threshold = 0,
  missing = cloudwatch.TreatMissingData.NOT_BREACHING,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName: `${ALARM_PREFIX}${id
      .replace(/Alarm$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()}`,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: missing,
    alarmDescription: description,
  });
  for (const t of actions) {
    alarm.addAlarmAction(new cwActions.SnsAction(t));
    alarm.addOkAction(new cwActions.SnsAction(t));
  }
  return alarm;
}
