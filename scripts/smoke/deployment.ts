import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { loadConfig } from '../../bot/config';
import type { Config } from '../../bot/config';
import { errorName } from '../../bot/errors';
import { loadSlackSecrets } from '../../bot/secrets';
import { sandboxEnvironment } from './sandbox';
import { botVariables, stackEnvironment } from './stack';
import type { SmokeOptions } from './options';
import { SmokeError } from './smoke-error';

/**
 * Finds the deployment to test: its table, alert channel, canary path, decoy trail and Slack token.
 * A deployed bot's settings live in its functions' environment (the CDK app writes them there),
 * so the smoke reads the jobs function's, which has every setting minting needs, and fills the bot
 * token from the Slack secret that environment names, exactly as the functions do at a cold
 * start. The bot's own variables in this shell, then flags, override.
 */
export interface Deployment {
  config: Config;
  /** The kinds to test: every kind the deployment has, or those --kinds names. */
  kinds: string[];
  /** Where the settings came from, for the first line of output. */
  source: string;
  /** The sandbox's URL: its attacker turns calls into CloudTrail events, so there is no trail to check. */
  sandbox?: string;
}

export async function findDeployment(opts: SmokeOptions): Promise<Deployment> {
  const found = opts.sandbox ? await sandboxEnvironment(opts.sandbox) : await stackEnvironment(opts.stack);
  const env: Record<string, string> = { ...found.env, ...(opts.sandbox ? {} : botVariables(process.env)), ...opts.env };
  env.AWS_REGION = found.region;
  // What the smoke cannot do without, in the order a person would look for it.
  const where = found.missing ? ` (${found.missing})` : '';
  for (const [name, flag] of [
    ['CANARY_TABLE', '--table'],
    ['ALERT_CHANNEL_ID', '--channel'],
  ] as const)
    if (!env[name]) throw new SmokeError(`${name} is not set: set it, or pass ${flag}${where}`);
  if (!env.SLACK_BOT_TOKEN && !env.SLACK_SECRET_ARN)
    throw new SmokeError(
      `no Slack bot token: set SLACK_BOT_TOKEN, or SLACK_SECRET_ARN / --secret-arn (the stack's SlackSecretArn)${where}`,
    );
  await loadSlackSecrets(env).catch((err: unknown) => {
    throw new SmokeError(err instanceof Error ? err.message : String(err));
  });
  // Required by the bot's configuration, unused here: the smoke checks no Slack request and asks
  // nobody's permission. Placeholders keep loadConfig's one-line errors for what the smoke needs.
  env.SLACK_SIGNING_SECRET ||= 'unused-by-the-smoke';
  if (!env.ADMIN_USER_IDS && !env.ADMIN_USERGROUP_ID) env.ADMIN_USER_IDS = 'U0SMOKE';
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const missing = /^Configuration error: (\w+)/.exec(message)?.[1];
    const hint =
      missing === 'SLACK_BOT_TOKEN' && env.SLACK_SECRET_ARN
        ? ` (the secret ${env.SLACK_SECRET_ARN} has no botToken yet: README, Deploying, step 3)`
        : '';
    throw new SmokeError(`${message}${hint}`);
  }
  return {
    config,
    kinds: opts.kinds ?? (await deployedKinds(config)),
    source: found.source,
    ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
  };
}

/**
 * aws-key always; s3-object where the decoy trail is configured (a read is a data event only a
 * trail records), ecr-image where the ECR decoy rule exists (`-c decoys=...` at deploy).
 */
async function deployedKinds(config: Config): Promise<string[]> {
  const kinds = ['aws-key'];
  if (config.decoyTrailName) kinds.push('s3-object');
  const rule = `${config.detectionRuleName}-ecr`;
  const events = new EventBridgeClient({ region: config.region, maxAttempts: 3 });
  try {
    await events.send(new DescribeRuleCommand({ Name: rule }));
    kinds.push('ecr-image');
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException')
      throw new SmokeError(`the rule ${rule} could not be read (${errorName(err)}): the smoke needs events:DescribeRule`);
  } finally {
    events.destroy();
  }
  return kinds;
}
