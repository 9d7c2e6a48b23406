/**
 * In AWS the Slack secrets live in Secrets Manager, never in the template or the function's
 * environment: the CDK app passes only SLACK_SECRET_ARN, and each handler reads the secret once
 * per cold start, before it builds anything. The secret is JSON:
 *   { "signingSecret": "...", "botToken": "xoxb-...", "teamId": "T...", "appId": "A..." }
 * (the workspace and app ids are not secret, but they are known only once the app exists, which is
 * when the token is put here). Values already in the environment win (local runs, tests), and no
 * call is made when the signing secret and token are there.
 */
export async function loadSlackSecrets(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const arn = env.SLACK_SECRET_ARN;
  if (!arn || (env.SLACK_SIGNING_SECRET && env.SLACK_BOT_TOKEN)) return;
  // Loaded only when there is a secret to read: a run with the secrets in its environment never evaluates it.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ region: env.AWS_REGION, maxAttempts: 3 });
  let parsed: { signingSecret?: unknown; botToken?: unknown; teamId?: unknown; appId?: unknown };
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    parsed = JSON.parse(out.SecretString ?? '{}') as typeof parsed;
  } catch (err) {
    // One clear line; never the secret's content.
    throw new Error(`Configuration error: SLACK_SECRET_ARN could not be read (${err instanceof Error ? err.name : 'error'})`);
  } finally {
    client.destroy();
  }
  if (typeof parsed.signingSecret === 'string' && !env.SLACK_SIGNING_SECRET) env.SLACK_SIGNING_SECRET = parsed.signingSecret;
  if (typeof parsed.botToken === 'string' && !env.SLACK_BOT_TOKEN) env.SLACK_BOT_TOKEN = parsed.botToken;
  if (typeof parsed.teamId === 'string' && !env.SLACK_TEAM_ID) env.SLACK_TEAM_ID = parsed.teamId;
  if (typeof parsed.appId === 'string' && !env.SLACK_APP_ID) env.SLACK_APP_ID = parsed.appId;
}

/**
 * Builds a handler's state: at once (so a bad configuration fails the cold start, loudly) when
 * the secrets are in the environment, or after reading them from Secrets Manager.
 */
export function initialise<T>(build: () => T): Promise<T> {
  const ready =
    process.env.SLACK_SECRET_ARN && !(process.env.SLACK_SIGNING_SECRET && process.env.SLACK_BOT_TOKEN)
      ? loadSlackSecrets().then(build)
      : Promise.resolve(build());
  ready.catch(() => undefined); // reported by the first invocation, which awaits it
  return ready;
}
