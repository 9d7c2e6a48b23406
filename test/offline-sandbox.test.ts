import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The README's run command, with no configuration at all, works end to end offline. */
describe('npm start with no configuration runs an offline sandbox', () => {
  it('mints from a typed /canary command and lists the canary', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    for (const k of ['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'AWS_ENDPOINT_URL', 'CANARY_TABLE']) delete env[k];
    const child = spawn('npm', ['start', '--silent'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end('/canary new laptop-42\n/canary list\n');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(out).toMatch(/Slack endpoint: http:\/\/127\.0\.0\.1:\d+\/slack\/events/);
    expect(out).toMatch(/== Canary c[0-9a-z]{6} is armed ==/);
    expect(out).toContain('aws_secret_access_key = ');
    expect(out).toContain('== Canaries (1) ==');
    expect(out).not.toContain('"level":"INFO"');
    expect(code).toBe(0);
  }, 120_000);
});
