import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../local/block-kit';
import { publishAndReceive } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * A CloudWatch alarm notification, as SNS delivers it from the ops topic to the alert queue in
 * the emulator: the bot says what broke and what to do in the channel, once per state change, and
 * nothing is retried into the DLQ (where it would keep the DLQ alarm raised and hide real losses).
 */
describe('a pipeline alarm reaches the channel', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  });
  afterAll(() => h.close());

  // The shape CloudWatch publishes (AWS's "Using Amazon SNS notifications" for alarms).
  const notification = (state: 'ALARM' | 'OK', previous: string) => ({
    AlarmName: 'aws-canary-bot-detection-rule-failed',
    AlarmDescription:
      "The EventBridge rule DetectionRule could not deliver to its target: check the target's resource policy and key policy; undelivered detections wait in the alert DLQ.",
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-11-20T10:00:00.000+0000',
    NewStateValue: state,
    NewStateReason:
      'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (25/11/26 09:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    StateChangeTime: state === 'ALARM' ? '2026-11-25T09:01:12.345+0000' : '2026-11-25T09:20:00.000+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:aws-canary-bot-detection-rule-failed',
    OldStateValue: previous,
    OKActions: [],
    AlarmActions: ['arn:aws:sns:us-east-1:123456789012:aws-canary-bot-ops'],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'FailedInvocations',
      Namespace: 'AWS/Events',
      StatisticType: 'Statistic',
      Statistic: 'SUM',
      Unit: null,
      Dimensions: [{ value: 'aws-canary-bot-detect', name: 'RuleName' }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.0,
      TreatMissingData: 'notBreaching',
    },
  });
  const posts = () => h.standin.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1');

  it('says what broke and what to do, once, and leaves nothing for the DLQ', async () => {
    const batch = await publishAndReceive(h.resources.opsTopicArn, h.resources.queueUrl, [notification('ALARM', 'OK')]);
    expect(batch.Records).toHaveLength(1);
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] }); // SNS's duplicate delivery
    expect(posts()).toHaveLength(1);
    const text = JSON.stringify(posts()[0]!.args.blocks);
    expect(text).toContain('*Pipeline alarm*');
    expect(text).toContain('aws-canary-bot-detection-rule-failed');
    expect(text).toContain('`us-east-1`');
    expect(text).toContain('could not deliver to its target');
    expect(checkMessage({ text: String(posts()[0]!.args.text), blocks: posts()[0]!.args.blocks as unknown[] })).toEqual([]);
    const dlq = await new SQSClient({ region: 'us-east-1' }).send(
      new GetQueueAttributesCommand({
        QueueUrl: h.resources.dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(dlq.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0' });
  });

  it('says when the alarm is resolved', async () => {
    const batch = await publishAndReceive(h.resources.opsTopicArn, h.resources.queueUrl, [notification('OK', 'ALARM')]);
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    expect(JSON.stringify(posts().at(-1)!.args.blocks)).toContain('*Pipeline alarm resolved*');
  });
});
