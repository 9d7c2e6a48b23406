import { mkdirSync } from 'node:fs';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { launchChromium } from '../local/chromium';
import { alertFor, attackFromPanel, disableFromAlert, mintKey, openSandbox } from '../local/sandbox/page-driver';
import { startSandbox } from '../local/sandbox/server';

/**
 * `npm run screenshots`: the README's pictures, taken from the offline sandbox through the page,
 * so they show what the code does today. Uses the Chromium local/chromium.ts finds (see there); emoji show
 * when an emoji font is installed (fonts-noto-color-emoji).
 */
const OUT = new URL('../docs/img/', import.meta.url).pathname;
const LOCATION = 'laptop-42 ~/.aws/credentials';
const ALARM = {
  AlarmName: 'aws-canary-bot-detection-rule-failed',
  AlarmDescription:
    "The EventBridge rule DetectionRule could not deliver to its target: check the target's resource policy and key policy; undelivered detections wait in the alert DLQ.",
  NewStateValue: 'ALARM',
  OldStateValue: 'OK',
  NewStateReason:
    'Threshold Crossed: 1 out of the last 1 datapoints [4.0 (25/11/26 09:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
  StateChangeTime: new Date().toISOString().replace('Z', '+0000'),
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:aws-canary-bot-detection-rule-failed',
};
const ATTACKER = {
  location: 'laptop-42',
  sourceIp: '185.220.101.34',
  userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/sts.get-caller-identity',
};

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const sandbox = await startSandbox({ port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    await openSandbox(page, sandbox.url);
    await mintKey(page, LOCATION);
    await attackFromPanel(page, { ...ATTACKER, call: 'GetCallerIdentity' });
    const alert = alertFor(page, 'laptop-42');
    await alert.waitFor();
    await page.screenshot({ path: `${OUT}sandbox-alert.png` });

    const started = Date.now();
    await attackFromPanel(page, { ...ATTACKER, call: 'ListBuckets', sourceIp: '185.220.101.35', flood: 2000 });
    const sent = Date.now();
    await alert.locator('text=2,001 calls').waitFor({ timeout: 120_000 });
    console.log(
      `Flood of 2,000 calls: made and on the bus in ${((sent - started) / 1000).toFixed(1)} s, all counted in the alert ${((Date.now() - sent) / 1000).toFixed(1)} s later`,
    );
    await alert.locator('.replies').click();
    await page.locator('#thread .msg').nth(1).waitFor();
    await page.screenshot({ path: `${OUT}sandbox-flood-thread.png` });

    await page.click('#thread-close');
    await disableFromAlert(page, alert);
    await alert.screenshot({ path: `${OUT}sandbox-disabled.png` });

    // A pipeline alarm, as CloudWatch publishes it to the ops topic (the sandbox has no CloudWatch).
    const sns = new SNSClient({
      region: 'us-east-1',
      endpoint: sandbox.awsEndpoint,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    const topic = (await sns.send(new CreateTopicCommand({ Name: 'aws-canary-bot-ops' }))).TopicArn!;
    await sns.send(new PublishCommand({ TopicArn: topic, Message: JSON.stringify(ALARM) }));
    sns.destroy();
    const alarm = page.locator('#messages .msg:not(.ephemeral)', { hasText: 'Pipeline alarm' });
    await alarm.waitFor({ timeout: 30_000 });
    await alarm.screenshot({ path: `${OUT}sandbox-alarm.png` });
    console.log(`Wrote sandbox-alert.png, sandbox-flood-thread.png, sandbox-disabled.png and sandbox-alarm.png to ${OUT}`);
  } finally {
    await browser.close();
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
