import { bootstrap } from '../local/bootstrap';

// `npm run local:bootstrap`: the table (and later the queue, topic and rules) in the endpoint
// of AWS_ENDPOINT_URL. Only the table name and region are needed, not the Slack settings.
const table = process.env.CANARY_TABLE || 'aws-canary-bot';
const region = process.env.AWS_REGION || 'us-east-1';
if (!process.env.AWS_ENDPOINT_URL) {
  process.stderr.write('AWS_ENDPOINT_URL is not set: bootstrapping against real AWS. In AWS, deploy with the CDK app instead.\n');
}
bootstrap({ table, region }).then(
  (out) => console.log(`${out.done.join('\n')}\nSet ALERT_QUEUE_URL=${out.queueUrl} for the alert handler.`),
  (err: unknown) => {
    console.error(`local:bootstrap failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
