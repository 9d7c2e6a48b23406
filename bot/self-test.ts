import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Config } from './config';
import type { Core } from './deps';
import type { Credentials } from './kinds/kind';
import { log } from './log';
import type { CanaryRecord } from './model/canary';

/**
 * `/canary test`: the bot uses the canary's own key once (sts:GetCallerIdentity) so the team can
 * watch the alert arrive end to end. That needs the secret, which otherwise exists nowhere: it is
 * kept in Secrets Manager only when the admin opts in at mint time (`--self-test`), as the mint
 * reply says plainly, and deleted when the canary is retired. Never in DynamoDB, never in logs.
 *
 * The call carries a user agent with a random nonce stored on the canary, so the alert path can
 * tell the bot's own test from an attacker's call (who cannot know the nonce) and close it.
 */
export const SELF_TEST_AGENT = 'aws-canary-bot-selftest';

/** Hex characters after the prefix in a self-test secret's name; the CDK app's grant names exactly these. */
export const SELF_TEST_NAME_LENGTH = 12;

const sm = (config: Config) => new SecretsManagerClient({ region: config.region, maxAttempts: 3 });

export async function storeSelfTestSecret(config: Config, creds: Credentials): Promise<string> {
  const client = sm(config);
  try {
    // Named and described like any other application secret: the name, the description and the tags
    // are what anyone allowed to list secrets sees, and they must not say which keys are decoys.
    // The canary record keeps the ARN; the canary id is in neither.
    const out = await client.send(
      new CreateSecretCommand({
        Name: `${config.selfTestSecretPrefix}${randomBytes(SELF_TEST_NAME_LENGTH / 2).toString('hex')}`,
        SecretString: JSON.stringify(creds),
      }),
    );
    return out.ARN!;
  } finally {
    client.destroy();
  }
}

export async function replaceSelfTestSecret(config: Config, arn: string, creds: Credentials): Promise<void> {
  const client = sm(config);
  await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(creds) })).finally(() => client.destroy());
}

export async function deleteSelfTestSecret(config: Config, arn: string): Promise<void> {
  const client = sm(config);
  await client
    .send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }))
    .catch((err: unknown) => {
      // Already gone (a retire that stopped after this step, repeated): the work is done.
      if (!(err instanceof ResourceNotFoundException)) throw err;
    })
    .finally(() => client.destroy());
}

/** Makes the test call; returns when it was made. */
export async function runSelfTest({ config, store }: Core, canary: CanaryRecord, by: string): Promise<string> {
  if (!canary.selfTestSecretArn) throw new Error('self-test is not enabled for this canary');
  const client = sm(config);
  let creds: Credentials;
  try {
    creds = JSON.parse(
      (await client.send(new GetSecretValueCommand({ SecretId: canary.selfTestSecretArn }))).SecretString ?? '{}',
    ) as Credentials;
  } finally {
    client.destroy();
  }
  const nonce = randomBytes(8).toString('hex');
  const at = new Date().toISOString();
  await store.recordSelfTestCall(canary.id, { nonce, at, by });
  const sts = new STSClient({ region: config.region, credentials: creds, customUserAgent: `${SELF_TEST_AGENT}/${nonce}`, maxAttempts: 1 });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    // A deny-all user may still see GetCallerIdentity succeed (it needs no permission); any
    // answer from AWS means the call was made and CloudTrail will log it.
    log.info('self-test call answered with an error', { canaryId: canary.id, error: err instanceof Error ? err.name : 'error' });
  } finally {
    sts.destroy();
  }
  await store.recordAction(canary.id, { action: 'self-test', by, at });
  return at;
}

/** True when the event is the bot's own test call for this canary (the nonce matches). */
export function isSelfTest(canary: CanaryRecord, userAgent: string): boolean {
  const nonce = canary.selfTest?.nonce;
  return Boolean(nonce) && userAgent.includes(`${SELF_TEST_AGENT}/${nonce}`);
}
