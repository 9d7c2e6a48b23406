import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSlackSecrets } from '../../bot/secrets';
import { SIGNING_SECRET, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { awsEndpoint } from '../support/emulator';

/** In AWS the Slack secrets come from Secrets Manager: only the secret's ARN is configured. */
describe('Slack secrets are read from Secrets Manager at start', () => {
  let h: Harness;
  let arn: string;
  const client = () =>
    new SecretsManagerClient({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  beforeAll(async () => {
    const name = `slack-${Date.now()}`;
    arn = (
      await client().send(
        new CreateSecretCommand({
          Name: name,
          SecretString: JSON.stringify({
            signingSecret: SIGNING_SECRET,
            botToken: 'xoxb-from-secrets-manager',
            teamId: 'T0001',
            appId: 'A0CANARY',
          }),
        }),
      )
    ).ARN!;
    h = await startHarness({
      env: { SLACK_SECRET_ARN: arn, SLACK_SIGNING_SECRET: '', SLACK_BOT_TOKEN: '', SLACK_TEAM_ID: '', SLACK_APP_ID: '' },
    });
  });
  afterAll(() => h.close());

  it('verifies requests with the signing secret it read, and calls Slack with the token it read', async () => {
    expect(h.slack.runtime.config.botToken).toBe('xoxb-from-secrets-manager');
    expect([h.slack.runtime.config.teamId, h.slack.runtime.config.appId]).toEqual(['T0001', 'A0CANARY']);
    const { res, body } = await h.command('help');
    expect(res.statusCode).toBe(200);
    expect(body?.text).toBe('How to use /canary');
  });

  it('fails with one line naming the variable, and never the content, when the secret cannot be read', async () => {
    const env: NodeJS.ProcessEnv = {
      SLACK_SECRET_ARN: `${arn}-missing`,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: awsEndpoint(),
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    };
    await expect(loadSlackSecrets(env)).rejects.toThrow(
      /^Configuration error: SLACK_SECRET_ARN could not be read \(ResourceNotFoundException\)$/,
    );
  });
});
