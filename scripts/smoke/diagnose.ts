import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { checkTrailCoverage } from '../../bot/audit';
import { errorName } from '../../bot/errors';
import { isSelected } from '../../bot/kinds/data-events';
import type { CanaryRecord } from '../../bot/model/canary';
import { RULE_STATE } from '../../infra/detection';
import type { Deployment } from './deployment';

/**
 * What to fix when a canary was used and no alert came: the links of the path this kind's event
 * takes that can be read from here, in the order the event meets them (the trail, the rule and
 * its state, the dead-letter queue), while the canary still exists. Read-only calls; a link that
 * cannot be read is said so, not guessed.
 */
const ruleOf = (d: Deployment, kind: string) =>
  kind === 'aws-key' ? d.config.detectionRuleName : `${d.config.detectionRuleName}-${kind === 's3-object' ? 's3' : 'ecr'}`;

export async function whyNoAlert(d: Deployment, canary: CanaryRecord, waitedSeconds: number): Promise<string> {
  const { config } = d;
  const rule = ruleOf(d, canary.kind);
  const found: string[] = [];
  const events = new EventBridgeClient({ region: config.region, maxAttempts: 3 });
  try {
    const r = await events.send(new DescribeRuleCommand({ Name: rule }));
    if (r.State !== RULE_STATE) found.push(`the rule ${rule} is ${r.State ?? 'in no state'}: set it to ${RULE_STATE} (redeploy)`);
  } catch (err) {
    found.push(
      errorName(err) === 'ResourceNotFoundException'
        ? `the rule ${rule} does not exist in ${config.region}: redeploy`
        : `the rule ${rule} could not be read (${errorName(err)})`,
    );
  } finally {
    events.destroy();
  }
  if (canary.kind === 's3-object') found.push(...(await decoyTrail(d, canary)));
  // In the sandbox the attacker is CloudTrail: there is no trail to look for.
  else if (!d.sandbox) found.push(...(await checkTrailCoverage(config.region)).findings.map((f) => `${f.problem}: ${f.fix}`));
  found.push(...(await deadLetters(d)));
  if (found.length) return `no alert in ${waitedSeconds} s: ${found.join('; ')}`;
  const where = d.sandbox ? "the sandbox's output (the alert handler's errors)" : "the alert function's logs";
  return (
    `no alert in ${waitedSeconds} s: the rule ${rule} is ${RULE_STATE}${d.sandbox ? '' : ' and a trail logs the events'}; ` +
    `read ${where}${d.sandbox ? '' : ', or give CloudTrail longer (--timeout 900)'}`
  );
}

/** S3 reads are data events: only a logging trail whose selectors name the object records one. */
async function decoyTrail(d: Deployment, canary: CanaryRecord): Promise<string[]> {
  const trail = d.config.decoyTrailName;
  if (!trail) return ['DECOY_TRAIL_NAME is not set, so no trail records reads of the decoy: deploy with -c decoys=s3'];
  const arn = `arn:aws:s3:::${canary.resource.bucket}/${canary.resource.key}`;
  const out: string[] = [];
  const ct = new CloudTrailClient({ region: d.config.region, maxAttempts: 3 });
  try {
    if (!d.sandbox && !(await ct.send(new GetTrailStatusCommand({ Name: trail }))).IsLogging)
      out.push(`the decoy trail ${trail} is not logging: aws cloudtrail start-logging --name ${trail}`);
    if (!(await isSelected(d.config, trail, arn)))
      out.push(`the decoy trail ${trail} does not select the object for data events: check the jobs function's cloudtrail rights`);
  } catch (err) {
    out.push(`the decoy trail ${trail} could not be read (${errorName(err)})`);
  } finally {
    ct.destroy();
  }
  return out;
}

async function deadLetters(d: Deployment): Promise<string[]> {
  if (!d.config.alertDlqUrl) return [];
  const sqs = new SQSClient({ region: d.config.region, maxAttempts: 3 });
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: d.config.alertDlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const n = Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
    return n > 0 ? [`${n} message(s) wait in the alert dead-letter queue: read the alert function's logs, fix, then /canary redrive`] : [];
  } catch (err) {
    return [`the alert dead-letter queue could not be read (${errorName(err)})`];
  } finally {
    sqs.destroy();
  }
}
