import { Aws, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { canaryEventPattern, CLOUDTRAIL_API_CALL, FORWARD_RULE_NAME, RULE_STATE } from './detection';

/**
 * Every other region: CloudTrail delivers a call's event to EventBridge in the region of the
 * call, so each region gets the same rule, forwarding matches to the home region's default bus.
 */
export class ForwarderStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { homeRegion: string; userPath: string }) {
    super(scope, id, props);
    const home = events.EventBus.fromEventBusArn(this, 'HomeBus', `arn:${Aws.PARTITION}:events:${props.homeRegion}:${Aws.ACCOUNT_ID}:event-bus/default`);
    const rule = new events.Rule(this, 'ForwardRule', {
      ruleName: FORWARD_RULE_NAME,
      description: `aws-canary-bot: canary calls in this region, forwarded to ${props.homeRegion}`,
      eventPattern: { detailType: [CLOUDTRAIL_API_CALL] },
      targets: [new targets.EventBus(home)],
    });
    const cfn = rule.node.defaultChild as events.CfnRule;
    cfn.addPropertyOverride('EventPattern', canaryEventPattern(props.userPath));
    cfn.addPropertyOverride('State', RULE_STATE);
  }
}
