/**
 * Cold start of each handler bundle, the way Lambda pays it: a fresh Node process loads the
 * bundle and (for slack) answers one signed request. Compared, in the same run, with a minimal Bolt
 * AwsLambdaReceiver app bundled the same way. Median of RUNS fresh processes each.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functionUrlEvent, signed, slashCommandBody } from '../local/slack-requests';
import { HANDLERS, buildHandlers } from '../scripts/build';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const SECRET = 'bench-signing-secret';

const BASELINE = `
import { App, AwsLambdaReceiver } from '@slack/bolt';
const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET! });
const app = new App({ receiver, authorize: async () => ({ botToken: 'xoxb-bench' }), ignoreSelf: false });
app.command('/canary', async ({ ack }) => { await ack({ response_type: 'ephemeral', text: 'How to use /canary' }); });
export const handler = receiver.toHandler();
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms from before require() to the handler's answer (or to the end of require() for non-HTTP handlers). */
function coldStart(file: string, http: boolean): number {
  const event = functionUrlEvent(
    signed(
      SECRET,
      slashCommandBody({ text: 'help', userId: 'U0BENCH', responseUrl: 'https://hooks.slack.com/commands/T1/1/x' }),
      'application/x-www-form-urlencoded',
    ),
  );
  const script = `
    const t0 = performance.now();
    const m = require(${JSON.stringify(file)});
    const loaded = performance.now();
    ${http ? `m.handler(${JSON.stringify(event)}, {}).then((r) => { if (r.statusCode !== 200) throw new Error('status ' + r.statusCode); console.log(performance.now() - t0); });` : 'console.log(loaded - t0);'}`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: {
      PATH: process.env.PATH,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_TEAM_ID: 'T0001',
      SLACK_APP_ID: 'A0CANARY',
      ALERT_CHANNEL_ID: 'C0BENCH',
      CANARY_TABLE: 'bench',
      ADMIN_USER_IDS: 'U0BENCH',
      AWS_REGION: 'us-east-1',
      JOBS_FUNCTION_NAME: 'bench-jobs',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    },
    encoding: 'utf8',
  });
  return Number(out.trim().split('\n').pop());
}

const dir = mkdtempSync(join(tmpdir(), 'canary-bench-'));
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
  const runs = (file: string, http: boolean) => median(Array.from({ length: RUNS }, () => coldStart(file, http)));
  const baseline = runs(join(dir, 'baseline.js'), true);
  const rows: string[][] = [['bundle', 'size', `cold start (median of ${RUNS})`, 'vs minimal Bolt']];
  rows.push([
    'minimal Bolt app (baseline)',
    `${(statSync(join(dir, 'baseline.js')).size / 1024).toFixed(0)} KiB`,
    `${baseline.toFixed(1)} ms`,
    '1.00x',
  ]);
  for (const { name, bytes } of sizes) {
    const http = name === 'slack';
    const ms = runs(join(dir, `${name}.js`), http);
    rows.push([
      `${name}${http ? ' (load + one signed /canary help)' : ' (load)'}`,
      `${(bytes / 1024).toFixed(0)} KiB`,
      `${ms.toFixed(1)} ms`,
      http ? `${(ms / baseline).toFixed(2)}x` : '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n'));
  console.log(`handlers: ${HANDLERS.join(', ')}; Node ${process.version}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
