import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import { errorText } from '../../bot/errors';
import { cut } from '../../bot/text';
import { SmokeError } from './smoke-error';

/**
 * A deployed bot's settings, as its functions have them: the CDK app writes them into each
 * function's environment, and the jobs function's holds everything minting needs (the table, the
 * channel, the canary path, the decoy trail, the Slack secret). Read-only calls: the stack's
 * resource list and one GetFunctionConfiguration.
 */

/** The variables the bot reads (bot/config.ts), and only those: a function's NODE_OPTIONS is not ours. */
const BOT_VARIABLE = /^(SLACK_(?!APP_TOKEN)|CANARY_|ALERT_|ADMIN_|DECOY_|DETECTION_|SELF_TEST_|ORGANIZATION_ID$|HOME_ACCOUNT_ID$)/;
export const botVariables = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => BOT_VARIABLE.test(e[0]) && !!e[1]?.trim()));

export interface FoundEnvironment {
  env: Record<string, string>;
  region: string;
  source: string;
  /** Why nothing was read, when nothing was. */
  missing?: string;
}

export async function stackEnvironment(stack: string): Promise<FoundEnvironment> {
  // The region the SDK's own configuration resolves to (AWS_REGION, or the profile's).
  const sts = new STSClient({});
  const region = await sts.config.region().catch(() => undefined);
  sts.destroy();
  if (!region) throw new SmokeError('no AWS region: set AWS_REGION, or use a profile that has one (AWS_PROFILE)');
  const cfn = new CloudFormationClient({ region, maxAttempts: 3 });
  const lambda = new LambdaClient({ region, maxAttempts: 3 });
  try {
    let jobs: StackResourceSummary | undefined;
    let token: string | undefined;
    do {
      const page = await cfn.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
      // The CDK names it JobsFunction<hash> (infra/home-stack.ts).
      jobs ??= page.StackResourceSummaries?.find(
        (r) => r.ResourceType === 'AWS::Lambda::Function' && r.LogicalResourceId?.startsWith('JobsFunction'),
      );
      token = page.NextToken;
    } while (token && !jobs);
    if (!jobs?.PhysicalResourceId)
      return {
        env: {},
        region,
        source: 'the environment',
        missing: `stack ${stack} has no jobs function: is it this bot's stack? (--stack)`,
      };
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: jobs.PhysicalResourceId }));
    return { env: botVariables(fn.Environment?.Variables ?? {}), region, source: `stack ${stack} in ${region}` };
  } catch (err) {
    const missing = /does not exist/.test(err instanceof Error ? err.message : '')
      ? `there is no stack ${stack} in ${region}: deploy, or name the stack with --stack`
      : `stack ${stack} could not be read (${cut(errorText(err), 160)})`;
    return { env: {}, region, source: 'the environment', missing };
  } finally {
    cfn.destroy();
    lambda.destroy();
  }
}
