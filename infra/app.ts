import { isUserPath, proposeUserPath } from './user-path';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_REGIONS } from './detection';
import { ForwarderStack } from './forwarder-stack';
import { CanaryBotStack } from './home-stack';

/**
 * `npm run deploy` (= build, then `cdk deploy --all`). Settings come from CDK context:
 *   -c alertChannelId=C0123 -c adminUserIds=U01,U02 (or -c adminUsergroupId=S01)
 *   -c opsEmail=secops@example.com and/or -c opsTopicArn=arn:aws:sns:... (who hears when the
 *      pipeline itself breaks: required)
 *   [-c homeRegion=us-east-1] [-c regions=us-east-1,eu-west-1,...] -c userPath=/automation/
 *   [-c autoDisable=true] [-c canaryProfile=quiet] [-c xray=true] [-c decoys=s3,ecr]
 *   [-c alertConcurrency=10] [-c slackConcurrency=10] [-c jobsConcurrency=5] [-c auditConcurrency=5]
 *   (reserved concurrency; 0 for none)
 *   [-c heartbeat=true] (a daily test call with every canary minted with --self-test)
 *   [-c createTrail=true] (create a multi-region management-events trail; without it the deploy
 *      refuses when the account has no logging one)
 *   [-c organization=o-xxxxxxxxxx [-c ous=ou-...,ou-...] [-c orgAdmin=delegated|management]]
 *      (organization mode: canaries minted in the organization's accounts; README "Many accounts")
 * us-east-1 is always covered: IAM's and the global STS endpoint's events are delivered there.
 */
export function buildApp(app: App, handlersDir: string): { home: CanaryBotStack; forwarders: ForwarderStack[] } {
  const ctx = (k: string) => app.node.tryGetContext(k) as string | undefined;
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const homeRegion = ctx('homeRegion') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
  const listed = (ctx('regions') ?? DEFAULT_REGIONS.join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const regions = [...new Set([homeRegion, 'us-east-1', ...listed])];
  const userPath = ctx('userPath');
  if (!userPath)
    throw new Error(
      'Set the IAM path the canaries live under with -c userPath. Upgrading a deployment made before this was required: keep the path ' +
        "your canaries already use (-c userPath=/svc/); another path would leave them outside the detection rule and the bot's rights. " +
        `A new deployment: -c userPath=${proposeUserPath(account)} is proposed for this account; choose one your real users do not use.`,
    );
  const canaryProfile = ctx('canaryProfile') ?? 'deny-all';
  if (canaryProfile !== 'deny-all' && canaryProfile !== 'quiet') throw new Error('-c canaryProfile must be deny-all or quiet');
  if (!isUserPath(userPath))
    throw new Error(
      '-c userPath must be an IAM path other than /, such as /automation/: segments of letters, digits and + = , . @ _ -, each ended by /',
    );
  const alertChannelId = ctx('alertChannelId');
  if (!alertChannelId) throw new Error('Set the security channel: cdk deploy -c alertChannelId=C0123456');
  // The workspace and app usually go in the Slack secret with the token (the app exists only after
  // the first deploy); given here, they go in the functions' environment instead.
  const selfTestSecretPrefix = ctx('selfTestSecretPrefix') ?? 'app/credentials/';
  if (!/^[\w+=.@-]+(\/[\w+=.@-]+)*\/$/.test(selfTestSecretPrefix))
    throw new Error('-c selfTestSecretPrefix must be a secret name prefix ending in /, such as app/credentials/');
  const slackTeamId = ctx('slackTeamId');
  const slackAppId = ctx('slackAppId');
  if (slackTeamId !== undefined && !/^T[A-Z0-9]{2,}$/.test(slackTeamId))
    throw new Error('-c slackTeamId must be a Slack workspace id, T0123456');
  if (slackAppId !== undefined && !/^A[A-Z0-9]{2,}$/.test(slackAppId)) throw new Error('-c slackAppId must be a Slack app id, A0123456');
  if (!ctx('adminUserIds') && !ctx('adminUsergroupId'))
    throw new Error('Set who may mint and triage: -c adminUserIds=U01,U02 or -c adminUsergroupId=S01');
  const ops = { email: ctx('opsEmail'), pagerTopicArn: ctx('opsTopicArn') };
  if (!ops.email && !ops.pagerTopicArn)
    throw new Error(
      'Set who hears when the pipeline breaks: -c opsEmail=secops@example.com and/or -c opsTopicArn=arn:aws:sns:... (a pager topic)',
    );
  // An alarm can only notify a topic in its own region: the pager topic hears the home region's.
  if (!ops.email && regions.some((r) => r !== homeRegion))
    throw new Error('Alarms in the forwarding regions can only reach a person by email: set -c opsEmail=... as well as -c opsTopicArn');
  const count = (k: string) => {
    const v = ctx(k) === undefined ? undefined : Number(ctx(k));
    // The alert queue's event source runs up to 5 batches at once: fewer reserved would throttle it into the DLQ.
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || (v > 0 && v < 5)))
      throw new Error(`-c ${k} must be 0 (no reservation) or a whole number of at least 5`);
    return v;
  };
  const organizationId = ctx('organization');
  if (organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(organizationId))
    throw new Error('-c organization must be an organization id, o-xxxxxxxxxx (aws organizations describe-organization)');
  const ous = (ctx('ous') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (ous.some((o) => !/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/.test(o)))
    throw new Error('-c ous must list organizational units (ou-xxxx-xxxxxxxx) or the root (r-xxxx), comma-separated');
  if (ous.length && !organizationId) throw new Error('-c ous needs -c organization=o-...');
  const orgAdmin = ctx('orgAdmin') ?? 'delegated';
  if (orgAdmin !== 'delegated' && orgAdmin !== 'management')
    throw new Error('-c orgAdmin must be delegated (a delegated administrator for StackSets, the default) or management');
  const home = new CanaryBotStack(app, 'CanaryBot', {
    env: { account, region: homeRegion },
    settings: {
      handlersDir,
      regions,
      userPath,
      alertChannelId,
      slackTeamId,
      slackAppId,
      selfTestSecretPrefix,
      adminUserIds: ctx('adminUserIds'),
      adminUsergroupId: ctx('adminUsergroupId'),
      autoDisable: ctx('autoDisable') === 'true',
      canaryProfile,
      xray: ctx('xray') === 'true',
      decoys: (ctx('decoys') ?? '').split(',').filter((d): d is 's3' | 'ecr' => d === 's3' || d === 'ecr'),
      ops,
      alertConcurrency: count('alertConcurrency'),
      slackConcurrency: count('slackConcurrency'),
      jobsConcurrency: count('jobsConcurrency'),
      auditConcurrency: count('auditConcurrency'),
      heartbeat: ctx('heartbeat') === 'true',
      createTrail: ctx('createTrail') === 'true',
      ...(organizationId
        ? { organization: { organizationId, ous, callAs: orgAdmin === 'management' ? ('SELF' as const) : ('DELEGATED_ADMIN' as const) } }
        : {}),
    },
  });
  const forwarders = regions
    .filter((r) => r !== homeRegion)
    .map(
      (region) =>
        new ForwarderStack(app, `CanaryBotForwarder-${region}`, { env: { account, region }, homeRegion, userPath, opsEmail: ops.email }),
    );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { home, forwarders };
}

if (process.argv[1] && process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new App();
  buildApp(app, join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'handlers'));
  app.synth();
}
