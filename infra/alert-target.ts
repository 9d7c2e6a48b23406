import { Aws } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DETECTION_RULE_NAME } from './detection';
import { TARGET_RETRY } from './ops';

/**
 * The detection rules' target: the alert topic, with a dead-letter queue and retries. CDK's own
 * SnsTopic target grants events.amazonaws.com sns:Publish on the topic with no condition, so any
 * rule of any account could publish forged alerts into it. Here the topic takes EventBridge's
 * publishes only from this app's detection rules (aws-canary-bot-detect*) in this account
 * (aws:SourceArn, aws:SourceAccount, as EventBridge's resource-based policy docs advise), and
 * the DLQ only from the rule that uses it.
 */
export function detectionRulesArn(): string {
  return `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${DETECTION_RULE_NAME}*`;
}

export function allowDetectionRulesToPublish(topic: sns.Topic): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'ThisAppsDetectionRulesOnly',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnLike: { 'aws:SourceArn': detectionRulesArn() }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
}

export function alertTopicTarget(topic: sns.ITopic, dlq: sqs.IQueue): events.IRuleTarget {
  return {
    bind: (rule) => {
      dlq.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `DeadLettersOf${rule.node.id}`,
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [dlq.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } },
        }),
      );
      return {
        arn: topic.topicArn,
        deadLetterConfig: { arn: dlq.queueArn },
        retryPolicy: { maximumRetryAttempts: TARGET_RETRY.retryAttempts, maximumEventAgeInSeconds: TARGET_RETRY.maxEventAge.toSeconds() },
      };
    },
  };
}
