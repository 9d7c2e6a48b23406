import { createStore } from '../../bot/store';
import type { Store } from '../../bot/store';
import { randomBytes } from 'node:crypto';
import { IAMClient } from '@aws-sdk/client-iam';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { inject, vi } from 'vitest';
import { bootstrap } from '../../local/bootstrap';
import { STANDIN_APP_ID, STANDIN_TEAM_ID, functionUrlEvent, interactionBody, signed, slashCommandBody } from '../../local/slack-requests';
import type { Signed } from '../../local/slack-requests';
import { startSlackStandin } from '../../local/slack-standin';
import type { SlackStandin } from '../../local/slack-standin';
import { awsEndpoint } from './emulator';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { asFunction, describeRefusals, installIamCheck } from './iam/check';
import type { Checker, FunctionName, Refusal } from './iam/check';
import { resolveRole } from './iam/roles';
import { MEMBER_ROLE_NAMES } from '../../bot/accounts';
import type { PolicyStatement } from './iam/evaluate';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const ADMIN = 'UADMIN001';
export const OUTSIDER = 'UOUTSIDE1';
const REGION = 'us-east-1';

export interface Harness {
  standin: SlackStandin;
  env: Record<string, string>;
  table: string;
  userPath: string;
  /** The alert path in moto: the SNS topic and the queue subscribed to it. */
  resources: Awaited<ReturnType<typeof bootstrap>>;
  slack: Loaded<typeof import('../../handlers/slack')>;
  jobs: Loaded<typeof import('../../handlers/jobs')>;
  alert: Loaded<typeof import('../../handlers/alert')>;
  audit: Loaded<typeof import('../../handlers/audit')>;
  iam: IAMClient;
  ddb: DynamoDBDocumentClient;
  /** The bot's store on the test's table: tests read results through it, not through raw keys. */
  store: Store;
  /** Sends a signed slash command through handlers/slack; returns the HTTP response and the response_url used. */
  command(
    text: string,
    opts?: { userId?: string; triggerId?: string },
  ): Promise<{ res: APIGatewayProxyStructuredResultV2; responseUrl: string; body: Record<string, unknown> | undefined }>;
  /** Sends a signed interactivity payload through handlers/slack. */
  interact(payload: object): Promise<{ res: APIGatewayProxyStructuredResultV2; body: Record<string, unknown> | undefined }>;
  /** Any request through handlers/slack. */
  send(req: Signed, opts?: { base64?: boolean }): Promise<APIGatewayProxyStructuredResultV2>;
  /** Waits for in-process jobs (minting) to finish. */
  settle(): Promise<void>;
  /** Everything the bot wrote to stdout/stderr since the harness started. */
  logs(): string;
  scanTable(): Promise<Record<string, unknown>[]>;
  /**
   * Calls a function made that its synthesized role does not allow (test/support/iam): each was
   * refused as AWS would refuse it, and close() fails the file unless the test took them out.
   */
  refusals: Refusal[];
  /** Each function's role as this test's bot is held to it; a test may change it (remove a statement) to watch a path fail. */
  roles: Record<FunctionName, PolicyStatement[]>;
  /** Takes out, and returns, refusals a test expects (a call AWS refuses that the bot must survive). */
  expectRefused(match: (r: Refusal) => boolean): Refusal[];
  /** Runs core code a test calls directly as the named function, held to its role. */
  as<T>(fn: FunctionName, work: () => T): T;
  close(): Promise<void>;
}

/** A handler module with its initialised state (runtime) at hand, as the tests use it. */
type Loaded<M extends { ready: Promise<{ runtime: unknown }>; handler: unknown }> = {
  handler: M['handler'];
  runtime: Awaited<M['ready']>['runtime'];
};
/** A handler whose calls, at import, per event and in the jobs it runs in process, are held to its function's role. */
async function loaded<M extends { ready: Promise<{ runtime: unknown }>; handler: unknown }>(
  checker: HarnessChecker,
  fn: FunctionName,
  load: () => Promise<M>,
): Promise<Loaded<M>> {
  // What the CDK app sets per function (MEMBER_ROLE_NAME): each handler reads its configuration as it initialises.
  const own = Object.entries(checker.ownEnvironment(fn));
  const before = own.map(([k]) => [k, process.env[k]] as const);
  for (const [k, v] of own) process.env[k] = v;
  const m = await asFunction(checker, fn, load);
  const ready = await m.ready.finally(() => {
    for (const [k, v] of before)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
  const runtime = ready.runtime as Awaited<M['ready']>['runtime'] & { dispatch?: (job: unknown) => Promise<void> };
  // In AWS a function given JOBS_FUNCTION_NAME (slack) runs its jobs in the jobs function; in
  // process they run right after the ack, and are held to the jobs role. Others run them in place.
  if (typeof runtime?.dispatch === 'function' && checker.dispatchesToJobs(fn)) {
    const dispatch = runtime.dispatch.bind(runtime);
    runtime.dispatch = (job) => asFunction(checker, 'jobs', () => dispatch(job));
  }
  const handler = m.handler as (...args: unknown[]) => unknown;
  return { handler: ((...args: unknown[]) => asFunction(checker, fn, () => handler(...args))) as M['handler'], runtime };
}

/** The account the test's bot runs in: whoever its credentials are. */
async function accountOf(endpoint: string): Promise<string> {
  const sts = new STSClient({ region: REGION, endpoint });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account!;
  } finally {
    sts.destroy();
  }
}

type HarnessChecker = Checker & {
  roles: Record<FunctionName, PolicyStatement[]>;
  ownEnvironment(fn: FunctionName): Record<string, string>;
  dispatchesToJobs(fn: FunctionName): boolean;
};

function iamChecker(env: Record<string, string>, account: string, endpoint: string): HarnessChecker {
  const synthesized = inject('iamRoles')[env.ORGANIZATION_ID ? 'organization' : 'single'];
  const place = { account, region: REGION, env };
  const roles = Object.fromEntries(
    (['slack', 'jobs', 'alert', 'audit'] as const).map((fn) => [fn, resolveRole(synthesized.functions[fn]!, synthesized.types, place)]),
  ) as Record<FunctionName, PolicyStatement[]>;
  const members = new Map<string, PolicyStatement[]>();
  // Organization mode: each function assumes its own member role, as the CDK app tells it.
  const PER_FUNCTION = ['MEMBER_ROLE_NAME'];
  const ownEnvironment = (fn: FunctionName) =>
    Object.fromEntries(
      Object.entries(synthesized.functions[fn]!.environment).filter(
        (e): e is [string, string] => PER_FUNCTION.includes(e[0]) && typeof e[1] === 'string' && !(e[0] in env),
      ),
    );
  return {
    roles,
    ownEnvironment,
    dispatchesToJobs: (fn) => 'JOBS_FUNCTION_NAME' in synthesized.functions[fn]!.environment && !env.JOBS_FUNCTION_NAME,
    refusals: [],
    endpoint,
    homeAccount: account,
    policyFor: (fn, caller) => {
      if (caller.account === account) return roles[fn];
      // In another account a function acts only through its own member role (its trust names the
      // function's home role): any other role's session, or none, is refused everything.
      const own = synthesized.functions[fn]!.environment.MEMBER_ROLE_NAME ?? MEMBER_ROLE_NAMES.jobs;
      const member = caller.role === own ? synthesized.members[caller.role] : undefined;
      if (!member) return [];
      const key = `${caller.account}/${caller.role}`;
      if (!members.has(key))
        members.set(
          key,
          resolveRole(
            { statements: member },
            synthesized.types,
            { ...place, account: caller.account },
            synthesized.functions[fn]!.environment,
          ),
        );
      return members.get(key);
    },
  };
}

const parse = (res: APIGatewayProxyStructuredResultV2) => {
  try {
    return res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A bot wired to the run's moto server and a fresh Slack stand-in, with its own table and IAM
 * path so test files running side by side never see each other's canaries.
 */
export async function startHarness(opts: { env?: Record<string, string> } = {}): Promise<Harness> {
  const endpoint = awsEndpoint();
  const standin = await startSlackStandin();
  const tag = randomBytes(4).toString('hex');
  const table = `canaries-${tag}`;
  const userPath = `/svc/${tag}/`;
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-1-test-bot-token',
    SLACK_TEAM_ID: STANDIN_TEAM_ID,
    SLACK_APP_ID: STANDIN_APP_ID,
    SLACK_API_URL: standin.apiUrl,
    ALERT_CHANNEL_ID: 'C0ALERTS1',
    CANARY_TABLE: table,
    CANARY_USER_PATH: userPath,
    ADMIN_USER_IDS: ADMIN,
    ADMIN_USERGROUP_ID: '',
    JOBS_FUNCTION_NAME: '',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    // Each silent-use poll a test makes reads every key (in AWS a pass starts at most every 15 minutes).
    SILENT_USE_EVERY_SECONDS: '0',
    ...opts.env,
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const resources = await bootstrap({ table, region: REGION, userPath });
  for (const [k, v] of Object.entries({ DETECTION_RULE_NAME: resources.ruleName, ALERT_TOPIC_ARN: resources.topicArn })) {
    if (!(k in (opts.env ?? {}))) {
      vi.stubEnv(k, v);
      env[k] = v;
    }
  }
  for (const [k, v] of Object.entries({ ALERT_QUEUE_URL: resources.queueUrl, ALERT_DLQ_URL: resources.dlqUrl })) {
    if (!(k in (opts.env ?? {}))) {
      vi.stubEnv(k, v);
      env[k] = v;
    }
  }

  let output = '';
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    return vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      // Pass through only when asked: the bot's JSON logs would drown the test report.
      return process.env.SHOW_BOT_LOGS ? (original as (...a: unknown[]) => boolean)(chunk, ...rest) : true;
    }) as typeof stream.write);
  };
  const spies = [capture(process.stdout), capture(process.stderr)];

  installIamCheck();
  const checker = iamChecker(env, await accountOf(env.AWS_ENDPOINT_URL!), env.AWS_ENDPOINT_URL!);
  vi.resetModules();
  const slack = await loaded(checker, 'slack', () => import('../../handlers/slack'));
  const jobs = await loaded(checker, 'jobs', () => import('../../handlers/jobs'));
  const alert = await loaded(checker, 'alert', () => import('../../handlers/alert'));
  const audit = await loaded(checker, 'audit', () => import('../../handlers/audit'));
  const iam = new IAMClient({ region: REGION });
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: REGION }));

  const send = (req: Signed, o: { base64?: boolean } = {}) => slack.handler(functionUrlEvent(req, o), {} as never);
  const h: Harness = {
    standin,
    env,
    table,
    userPath,
    resources,
    slack,
    jobs,
    alert,
    audit,
    iam,
    ddb,
    store: createStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: REGION }), { marshallOptions: { removeUndefinedValues: true } }),
      table,
    ),
    send,
    command: async (text, o = {}) => {
      const responseUrl = standin.newResponseUrl();
      const body = slashCommandBody({ text, userId: o.userId ?? ADMIN, responseUrl, ...(o.triggerId ? { triggerId: o.triggerId } : {}) });
      const res = await send(signed(SIGNING_SECRET, body, 'application/x-www-form-urlencoded'));
      return { res, responseUrl, body: parse(res) };
    },
    interact: async (payload) => {
      const res = await send(signed(SIGNING_SECRET, interactionBody(payload), 'application/x-www-form-urlencoded'));
      return { res, body: parse(res) };
    },
    settle: () => slack.runtime.jobsIdle(),
    logs: () => output,
    scanTable: async () => (await ddb.send(new ScanCommand({ TableName: table }))).Items ?? [],
    refusals: checker.refusals,
    roles: checker.roles,
    as: (fn, work) => asFunction(checker, fn, work),
    expectRefused: (match) => {
      const taken = checker.refusals.filter(match);
      checker.refusals.splice(0, checker.refusals.length, ...checker.refusals.filter((r) => !match(r)));
      return taken;
    },
    close: async () => {
      await slack.runtime.jobsIdle();
      spies.forEach((s) => s.mockRestore());
      vi.unstubAllEnvs();
      await standin.close();
      if (checker.refusals.length)
        throw new Error(
          `AWS would refuse calls the bot made here (each function's synthesized role, test/support/iam):\n${describeRefusals(checker.refusals)}`,
        );
    },
  };
  return h;
}

/** The secret of the key delivered to this response_url (the one message allowed to carry it). */
export function deliveredSecret(h: Harness, responseUrl?: string): { accessKeyId: string; secretAccessKey: string } {
  for (const c of [...h.standin.calls].reverse()) {
    if (c.method !== 'response_url' || (responseUrl && !responseUrl.endsWith(c.responseUrlId!))) continue;
    const text = JSON.stringify(c.args);
    const id = /aws_access_key_id = (A[A-Z0-9]+)/.exec(text);
    const secret = /aws_secret_access_key = ([A-Za-z0-9/+=]{20,})/.exec(text);
    if (id && secret) return { accessKeyId: id[1]!, secretAccessKey: secret[1]! };
  }
  throw new Error('no message carried a key');
}

/** Every recorded Slack call, serialised, for "the secret appears nowhere else" checks. */
export const serialisedCalls = (h: Harness) => h.standin.calls.map((c) => JSON.stringify(c));
