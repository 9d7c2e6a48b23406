import { parseArgs } from 'node:util';
import { KINDS } from '../../bot/kinds';
import { SmokeError } from './smoke-error';

/**
 * `npm run smoke -- [flags]`. Flags override the environment, which overrides what the stack says,
 * the usual order for a command line. The bot token has no flag: a flag's value shows in `ps` and
 * in shell history, so it comes from SLACK_BOT_TOKEN or the deployment's Secrets Manager secret.
 */
export interface SmokeOptions {
  /** The offline sandbox (`npm start`) at this URL, instead of the AWS account of the SDK's configuration. */
  sandbox?: string;
  stack: string;
  /** Set by flags: CANARY_TABLE, ALERT_CHANNEL_ID, SLACK_SECRET_ARN. */
  env: Record<string, string>;
  /** Only these kinds, instead of every kind the deployment has. */
  kinds?: string[];
  timeoutSeconds?: number;
  help: boolean;
}

export const USAGE = `npm run smoke -- [options]

Mints one canary of each kind the deployment has, uses each as an attacker would, waits for each
alert in the alert channel, retires them, and prints what alerted and what to fix.

  --stack <name>       the CDK stack to read the deployment from (default CanaryBot)
  --table <name>       the canary table (CANARY_TABLE)
  --channel <id>       the alert channel (ALERT_CHANNEL_ID)
  --secret-arn <arn>   the Slack secret holding the bot token (SLACK_SECRET_ARN)
  --kinds <a,b>        only these kinds (${KINDS.map((k) => k.name).join(', ')})
  --timeout <seconds>  how long to wait for the alerts (default 600; 60 with --sandbox)
  --sandbox <url>      the offline sandbox of \`npm start\` instead of AWS
  --help               this text`;

export function parseOptions(argv: string[]): SmokeOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        stack: { type: 'string' },
        table: { type: 'string' },
        channel: { type: 'string' },
        'secret-arn': { type: 'string' },
        kinds: { type: 'string' },
        timeout: { type: 'string' },
        sandbox: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    throw new SmokeError(`${err instanceof Error ? err.message : String(err)} (--help lists the options)`);
  }
  const env: Record<string, string> = {};
  if (parsed.table) env.CANARY_TABLE = parsed.table;
  if (parsed.channel) env.ALERT_CHANNEL_ID = parsed.channel;
  if (parsed['secret-arn']) env.SLACK_SECRET_ARN = parsed['secret-arn'];
  const kinds = parsed.kinds?.split(',').map((k) => k.trim());
  const unknown = kinds?.find((k) => !KINDS.some((known) => known.name === k));
  if (unknown !== undefined) throw new SmokeError(`--kinds: there is no kind "${unknown}" (${KINDS.map((k) => k.name).join(', ')})`);
  const timeout = parsed.timeout === undefined ? undefined : Number(parsed.timeout);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0))
    throw new SmokeError('--timeout must be a number of seconds above 0');
  return {
    ...(parsed.sandbox ? { sandbox: parsed.sandbox.replace(/\/+$/, '') } : {}),
    stack: parsed.stack ?? 'CanaryBot',
    env,
    ...(kinds ? { kinds } : {}),
    ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    help: parsed.help ?? false,
  };
}
