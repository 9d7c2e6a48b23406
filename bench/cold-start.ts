/**
 * Cold start of the slack and alert bundles, the way Lambda pays it: a fresh Node process loads
 * the bundle and answers one event. Paired, round by round, with a minimal Bolt AwsLambdaReceiver
 * app bundled the same way (it loads and answers one signed `/canary help` too), so the ratio holds
 * while the machine's speed drifts. Per process: wall time from spawn to exit (Node's own start
 * included) and peak RSS (the child's own getrusage). Median of RUNS rounds, with min-max.
 *   slack: load + one signed `/canary help` (no AWS call, no Slack call on that path);
 *   alert: load + `ready` + one CloudTrail event for a canary (against moto and the Slack stand-in):
 *          the handler time of that first event, after init, is printed too (it must stay under 100 ms).
 * Prints numbers; asserts nothing. BENCH_RUNS=25 for more rounds; BENCH_CHILD_NODE_OPTIONS='--cpu-prof
 * --cpu-prof-dir=/tmp/prof' profiles every fresh process (where the time goes, by the source maps).
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createTableStore } from '../bot/aws';
import { bootstrap } from '../local/bootstrap';
import { functionUrlEvent, signed, slashCommandBody } from '../local/slack-requests';
import { startMoto } from '../local/moto';
import { startSlackStandin } from '../local/slack-standin';
import { HANDLERS, buildHandlers } from '../scripts/build';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SECRET = 'bench-signing-secret';

const BASELINE = `
import { App, AwsLambdaReceiver } from '@slack/bolt';
const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET! });
const app = new App({ receiver, authorize: async () => ({ botToken: 'xoxb-bench' }), ignoreSelf: false });
app.command('/canary', async ({ ack }) => { await ack({ response_type: 'ephemeral', text: 'How to use /canary' }); });
export const handler = receiver.toHandler();
`;

/**
 * What each fresh process runs: argv = bundle, mode, event file. It prints one JSON line: the
 * handler's time after init (alert) and its own peak RSS (getrusage, KiB).
 */
const RUNNER = `
const [file, mode, eventFile] = process.argv.slice(2);
const event = JSON.parse(require('node:fs').readFileSync(eventFile, 'utf8'));
const m = require(file);
(async () => {
  let handlerMs;
  let handlerCpuMs;
  if (mode === 'http') {
    const r = await m.handler(event, {});
    if (r.statusCode !== 200) throw new Error('status ' + r.statusCode);
  } else {
    await m.ready;
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await m.handler(event, {});
    handlerMs = performance.now() - t;
    const used = process.cpuUsage(cpu0);
    handlerCpuMs = (used.user + used.system) / 1000;
    if (r && r.batchItemFailures && r.batchItemFailures.length) throw new Error('the alert failed');
  }
  console.log(JSON.stringify({ handlerMs, handlerCpuMs, maxRssKiB: process.resourceUsage().maxRSS }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], digits: number, unit = '') =>
  `${median(xs).toFixed(digits)}${unit} (${sorted(xs)[0]!.toFixed(digits)}-${sorted(xs).at(-1)!.toFixed(digits)})`;

interface Run {
  wallMs: number;
  rssMiB: number;
  handlerMs?: number;
  handlerCpuMs?: number;
}

/** Spawned, not spawnSync: the Slack stand-in answering the alert's post runs in this process. */
async function fresh(runner: string, file: string, mode: 'http' | 'sqs', eventFile: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [runner, file, mode, eventFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - t0;
  if (status !== 0) throw new Error(`${file}: exit ${status}\n${stderr}`);
  const line = JSON.parse(stdout.trim().split('\n').pop()!) as { handlerMs?: number; handlerCpuMs?: number; maxRssKiB: number };
  return { ...line, wallMs, rssMiB: line.maxRssKiB / 1024 };
}

function alertBody(accessKeyId: string): string {
  const record = {
    eventVersion: '1.08',
    eventID: randomUUID(),
    eventTime: new Date().toISOString(),
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      accountId: '123456789012',
      userName: 'ci-deploy-web',
      accessKeyId,
      arn: 'arn:aws:iam::123456789012:user/svc/ci-deploy-web',
    },
    requestParameters: null,
    responseElements: null,
    eventType: 'AwsApiCall',
    recipientAccountId: '123456789012',
  };
  const envelope = { version: '0', id: randomUUID(), 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.sts', detail: record };
  return JSON.stringify({ Type: 'Notification', MessageId: randomUUID(), Message: JSON.stringify(envelope) });
}

const dir = mkdtempSync(join(tmpdir(), 'canary-bench-'));
const moto = await startMoto();
const standin = await startSlackStandin();
try {
  const sizes = await buildHandlers(dir);
  writeFileSync(join(dir, 'baseline-entry.ts'), BASELINE);
  await build({
    entryPoints: [join(dir, 'baseline-entry.ts')],
    outfile: join(dir, 'baseline.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    nodePaths: [join(process.cwd(), 'node_modules')],
  });
  const runner = join(dir, 'runner.cjs');
  writeFileSync(runner, RUNNER);

  const table = 'bench-cold-start';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_TEAM_ID: 'T0001',
    SLACK_APP_ID: 'A0CANARY',
    SLACK_API_URL: standin.apiUrl,
    ALERT_CHANNEL_ID: 'C0BENCH',
    CANARY_TABLE: table,
    ADMIN_USER_IDS: 'U0BENCH',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    JOBS_FUNCTION_NAME: 'bench-jobs',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    ...(process.env.BENCH_CHILD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS } : {}),
  };
  Object.assign(process.env, { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' });
  await bootstrap({ table, region: 'us-east-1' });
  const store = createTableStore('us-east-1', table);

  /** A signed help request and a first alert (a canary of its own each round), written for the child to read. */
  const helpFile = join(dir, 'help.json');
  const alertFile = (round: number) => join(dir, `alert-${round}.json`);
  const rows = { baseline: [] as Run[], slack: [] as Run[], alert: [] as Run[] };
  for (let round = -1; round < RUNS; round++) {
    // Round -1 is a warm-up (the page cache, moto's first table access), not counted.
    writeFileSync(
      helpFile,
      JSON.stringify(
        functionUrlEvent(
          signed(
            SECRET,
            slashCommandBody({ text: 'help', userId: 'U0BENCH', responseUrl: 'https://hooks.slack.com/commands/T1/1/x' }),
            'application/x-www-form-urlencoded',
          ),
        ),
      ),
    );
    const key = `AKIABENCH${String(round + 1).padStart(11, '0')}`;
    await store.putNewCanary({
      id: `cbench${round + 1}`,
      kind: 'aws-key',
      location: 'bench',
      owner: 'U0BENCH',
      createdAt: new Date().toISOString(),
      createdBy: 'U0BENCH',
      status: 'active',
      aliases: [key],
      resource: {},
    });
    writeFileSync(alertFile(round), JSON.stringify({ Records: [{ messageId: randomUUID(), body: alertBody(key) }] }));
    const order = round % 2 ? (['alert', 'slack', 'baseline'] as const) : (['baseline', 'slack', 'alert'] as const);
    const got: Partial<Record<keyof typeof rows, Run>> = {};
    for (const name of order) {
      const file = join(dir, `${name}.js`);
      got[name] =
        name === 'alert' ? await fresh(runner, file, 'sqs', alertFile(round), env) : await fresh(runner, file, 'http', helpFile, env);
    }
    if (round >= 0) for (const name of order) rows[name].push(got[name]!);
  }

  const ratio = (name: 'slack' | 'alert', f: (r: Run) => number) => rows[name].map((r, i) => f(r) / f(rows.baseline[i]!));
  const table_: string[][] = [['process (fresh Node, one event)', 'bundle', 'wall ms', 'peak RSS MiB', 'wall vs Bolt', 'peak vs Bolt']];
  const bytes = (name: string) =>
    `${((name === 'baseline' ? statSync(join(dir, 'baseline.js')).size : sizes.find((s) => s.name === name)!.bytes) / 1024).toFixed(0)} KiB`;
  table_.push([
    'minimal Bolt app, one signed help',
    bytes('baseline'),
    spread(
      rows.baseline.map((r) => r.wallMs),
      0,
    ),
    spread(
      rows.baseline.map((r) => r.rssMiB),
      1,
    ),
    '1',
    '1',
  ]);
  for (const [name, what] of [
    ['slack', 'slack, one signed /canary help'],
    ['alert', 'alert, init + first event'],
  ] as const)
    table_.push([
      what,
      bytes(name),
      spread(
        rows[name].map((r) => r.wallMs),
        0,
      ),
      spread(
        rows[name].map((r) => r.rssMiB),
        1,
      ),
      spread(
        ratio(name, (r) => r.wallMs),
        2,
        'x',
      ),
      spread(
        ratio(name, (r) => r.rssMiB),
        2,
        'x',
      ),
    ]);
  const widths = table_[0]!.map((_, i) => Math.max(...table_.map((r) => r[i]!.length)));
  console.log(table_.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n'));
  const ms = (xs: Array<number | undefined>) => spread(xs.map(Number), 1, ' ms');
  console.log(
    `alert: the first event's handler time after init: ${ms(rows.alert.map((r) => r.handlerMs))}, of which this ` +
      `process's CPU ${ms(rows.alert.map((r) => r.handlerCpuMs))} (the rest is waiting on moto and the Slack stand-in)`,
  );
  console.log(`bundles: ${sizes.map((s) => `${s.name} ${(s.bytes / 1024).toFixed(0)} KiB`).join(', ')}`);
  console.log(
    `median (min-max) of ${RUNS} rounds, each round the three in turn; handlers: ${HANDLERS.join(', ')}; Node ${process.version}`,
  );
} finally {
  await standin.close();
  await moto.stop();
  rmSync(dir, { recursive: true, force: true });
}
