import { spawn } from 'node:child_process';
import { CloudTrailClient, GetEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET_WORDS } from '../../bot/kinds/s3-object';
import { createStore } from '../../bot/store';
import type { Store } from '../../bot/store';
import { isSmokeCanary } from '../../scripts/smoke/canaries';
import { startSandboxProcess } from '../support/sandbox-process';
import type { SandboxProcess } from '../support/sandbox-process';

/**
 * `npm run smoke` against the offline sandbox (`npm start`), as an operator would run it: every
 * kind the sandbox deploys is minted, used through the sandbox's attacker, alerted in the channel
 * and retired, and a run killed half way is cleaned up by the next one.
 */
const KINDS = ['aws-key', 's3-object', 'ecr-image'];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** The smoke in a process of its own; `stop` sends `signal` once `after` has been printed. */
function smoke(args: string[], stop?: { after: RegExp; signal: NodeJS.Signals }, shell: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // As a person's shell would be: nothing of the test's own emulator or settings.
  for (const k of Object.keys(env)) if (/^(SLACK_|AWS_|CANARY_|ALERT_|ADMIN_|DECOY_|DETECTION_|POWERTOOLS_)/.test(k)) delete env[k];
  Object.assign(env, shell);
  // npm for the first run (the script as operators call it); node with tsx's loader otherwise, one
  // process, so that a signal reaches the smoke itself and not only a wrapper.
  const [cmd, argv] = stop
    ? [process.execPath, ['--import', 'tsx', 'scripts/smoke.ts', ...args]]
    : ['npm', ['run', 'smoke', '--silent', '--', ...args]];
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  const read = (d: Buffer) => {
    out += d.toString();
    if (stop && !sent && stop.after.test(out)) {
      sent = true;
      child.kill(stop.signal);
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out })));
}

interface TableRow {
  canary: string;
  alerted: string;
  seconds: string;
  fix: string;
}

/** The table's rows by kind (scripts/smoke/table.ts: kind, canary, alerted, seconds, what to fix). */
const rows = (out: string): Record<string, TableRow> =>
  Object.fromEntries(
    [...out.matchAll(/^(aws-key|s3-object|ecr-image) +(\S+) +(\S+) +(\S+) *(.*)$/gm)].map((m) => [
      m[1],
      { canary: m[2]!, alerted: m[3]!, seconds: m[4]!, fix: m[5]! },
    ]),
  );

describe('npm run smoke against the sandbox', () => {
  let sandbox: SandboxProcess;
  let aws: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  let store: Store;
  let table: string;
  let trail: string;
  let deployed: Record<string, string>;
  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    const d = (await (await fetch(`${sandbox.url}/sandbox/deployment`)).json()) as {
      region: string;
      awsEndpoint: string;
      env: Record<string, string>;
    };
    aws = { region: d.region, endpoint: d.awsEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    deployed = d.env;
    table = d.env.CANARY_TABLE!;
    trail = d.env.DECOY_TRAIL_NAME!;
    store = createStore(DynamoDBDocumentClient.from(new DynamoDBClient(aws)), table);
  }, 120_000);
  afterAll(() => sandbox?.stop());

  const smokeCanaries = async () => (await store.allCanaries()).filter(isSmokeCanary);

  /** Nothing of any smoke run is left: every record retired, and no user, bucket, repository or selection. */
  async function expectNothingLeft() {
    const canaries = await smokeCanaries();
    expect(canaries.filter((c) => c.status !== 'retired')).toEqual([]);
    expect((await new IAMClient(aws).send(new ListUsersCommand({ PathPrefix: '/svc/' }))).Users ?? []).toEqual([]);
    const buckets = (await new S3Client({ ...aws, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? [];
    expect(buckets.filter((b) => BUCKET_WORDS.some((w) => b.Name?.startsWith(`${w}-`)))).toEqual([]);
    expect((await new ECRClient(aws).send(new DescribeRepositoriesCommand({}))).repositories ?? []).toEqual([]);
    const selectors = JSON.stringify(await new CloudTrailClient(aws).send(new GetEventSelectorsCommand({ TrailName: trail })));
    for (const c of canaries.filter((c) => c.kind === 's3-object')) expect(selectors).not.toContain(c.resource.key);
  }

  it('mints, uses and retires one canary of each kind, and prints the table with every kind alerted', async () => {
    const run = await smoke(['--sandbox', sandbox.url, '--timeout', '30']);
    expect(run.code, run.out).toBe(0);
    const table = rows(run.out);
    expect(Object.keys(table).sort()).toEqual([...KINDS].sort());
    for (const kind of KINDS) {
      expect(table[kind], `${kind}\n${run.out}`).toMatchObject({ alerted: 'yes', fix: '' });
      expect(table[kind]!.canary).toMatch(/^c[0-9a-z]{6}$/);
      expect(Number(table[kind]!.seconds)).toBeGreaterThanOrEqual(0);
      expect(Number(table[kind]!.seconds)).toBeLessThan(30);
    }
    expect(run.out).toContain('kinds aws-key, s3-object, ecr-image');
    expect(run.out, 'the secret is never printed').not.toMatch(/(?<![\w/+=])[A-Za-z0-9/+=]{40}(?![\w/+=])/);
    // The alerts are real ones, in the channel, one per canary.
    const messages = (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as { messages: Array<{ text: string; channel: string }> };
    for (const kind of KINDS)
      expect(
        messages.messages.filter((m) => m.channel === 'C0SANDBOX' && m.text.startsWith(`Canary ${table[kind]!.canary} used`)),
      ).toHaveLength(1);
    const ids = new Set(Object.values(table).map((r) => r.canary));
    expect((await smokeCanaries()).filter((c) => ids.has(c.id)).map((c) => c.status)).toEqual(['retired', 'retired', 'retired']);
    await expectNothingLeft();
  }, 60_000);

  it('leaves canaries of a run killed after minting to the next run, which retires them first and says so', async () => {
    const killed = await smoke(['--sandbox', sandbox.url], { after: /minted ecr-image/, signal: 'SIGKILL' });
    expect(killed.signal).toBe('SIGKILL');
    const left = (await smokeCanaries()).filter((c) => c.status === 'active');
    expect(left.map((c) => c.kind).sort()).toEqual([...KINDS].sort());
    expect((await new IAMClient(aws).send(new ListUsersCommand({ PathPrefix: '/svc/' }))).Users).toHaveLength(1);

    const next = await smoke(['--sandbox', sandbox.url, '--timeout', '30']);
    expect(next.code, next.out).toBe(0);
    expect(next.out).toContain('retiring 3 smoke canaries an earlier run left behind (it was interrupted)');
    for (const c of left) expect(next.out).toContain(c.id);
    await expectNothingLeft();
  }, 60_000);

  it('retires what it minted before exiting on SIGTERM', async () => {
    const run = await smoke(['--sandbox', sandbox.url], { after: /minted ecr-image/, signal: 'SIGTERM' });
    expect(run.code, run.out).toBe(143);
    expect(run.out).toContain('SIGTERM: retiring the smoke canaries minted so far');
    expect(run.out).toContain('retired 3 of 3 smoke canaries');
    await expectNothingLeft();
  }, 60_000);

  it('exits 1 and says what to fix for each kind when no alert can come (the emulator alone has no CloudTrail)', async () => {
    // The deployment from the environment, as in AWS, but in an emulator nothing turns calls into events.
    const shell = {
      ...deployed,
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    };
    const run = await smoke(['--timeout', '2'], undefined, shell);
    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain('smoke: the environment: table aws-canary-bot');
    expect(run.out).toMatch(/used aws-key c\w+: sts:GetCallerIdentity \(OK, arn:aws:iam::\d+:user\/svc\//);
    const table = rows(run.out);
    for (const kind of KINDS)
      expect(table[kind], run.out).toMatchObject({ alerted: 'no', seconds: '-', fix: expect.stringMatching(/^no alert in 2 s: /) });
    expect(table['aws-key']!.fix).toContain('no logging multi-region trail records all management events');
    await expectNothingLeft();
  }, 60_000);
});
