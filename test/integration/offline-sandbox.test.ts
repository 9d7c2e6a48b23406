import { request } from 'node:http';
import { CloudTrailClient, PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, SandboxState as State } from '../../local/sandbox/page/state';
import { SANDBOX_SECRET } from '../../local/sandbox/server';
import { signed, slashCommandBody } from '../../local/slack-requests';
import { startSandboxProcess } from '../support/sandbox-process';
import type { SandboxProcess } from '../support/sandbox-process';

/**
 * `npm start` with no configuration at all: the sandbox's own routes, the same ones the page
 * uses, exercised without a browser. Everything behind them is real: signed requests into
 * handlers/slack, jobs through the Lambda Invoke adapter, the attacker's calls and events on
 * moto's EventBridge, and the alert queue drained into handlers/alert.
 */
describe('npm start with no configuration runs the offline sandbox', () => {
  let sandbox: SandboxProcess;
  beforeAll(async () => {
    sandbox = await startSandboxProcess();
  }, 120_000);
  afterAll(() => sandbox?.stop());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const state = async () => (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as State;
  async function until<T>(what: string, probe: (s: State) => T | undefined, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = probe(await state());
      if (found) return found;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const field = (m: Message, label: string) => {
    const text = JSON.stringify(m.blocks);
    return new RegExp(`\\*${label}\\*\\\\n\`([^\`]+)\``).exec(text)?.[1];
  };
  type Element = { action_id?: string; value?: string };
  const button = (m: Message, actionId: string) =>
    (m.blocks as Array<{ block_id?: string; elements?: Element[] }> | undefined)
      ?.flatMap((b) => (b.elements ?? []).map((e) => ({ ...e, blockId: b.block_id })))
      .find((e) => e.action_id === actionId);

  it('prints one URL and serves the page', async () => {
    expect(sandbox.output().match(/http:\/\/\S+/g)).toHaveLength(1);
    const page = await fetch(sandbox.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/sandbox/app.js');
    expect((await fetch(`${sandbox.url}/sandbox/app.js`)).status).toBe(200);
    expect(sandbox.output()).not.toContain('"level":"INFO"');
  });

  it('mints through the modal, alerts on a flood in one thread, and disables the key', async () => {
    // /canary new with no text opens the form; submitting it empty shows Slack's field errors.
    expect((await post('/sandbox/command', { channel: 'C0SANDBOX', text: '/canary new' })).status).toBe(200);
    const modal = await until('the mint form', (s) => s.modals[0]);
    expect(modal.view.callback_id).toBe('canary_new');
    await post('/sandbox/submit', { modalId: modal.id, values: { location: { value: { type: 'plain_text_input', value: null } } } });
    const errors = await until('field errors', (s) => (Object.keys(s.modals[0]?.errors ?? {}).length ? s.modals[0]!.errors : undefined));
    expect(errors.location).toBeTruthy();
    await post('/sandbox/submit', {
      modalId: modal.id,
      values: {
        kind: {
          value: { type: 'static_select', selected_option: { value: 'aws-key', text: { type: 'plain_text', text: 'AWS access key' } } },
        },
        location: { value: { type: 'plain_text_input', value: 'build-server-7 /etc/ci/aws.env' } },
        owner: { value: { type: 'users_select', selected_user: 'U0SANDBOX' } },
      },
    });
    const minted = await until('the key', (s) =>
      s.messages.find((m) => m.ephemeral && /build-server-7/.test(m.text) && /armed/.test(m.text)),
    );
    expect(JSON.stringify(minted.blocks)).toContain('aws_secret_access_key = ');
    expect((await state()).modals).toEqual([]);
    const target = await until('the attack target', (s) => s.attack.targets.find((t) => t.kind === 'aws-key'));

    // One call, then a flood: one parent message, the rest in its thread.
    const attack = {
      canaryId: target.canaryId,
      call: 'DescribeInstances',
      sourceIp: '192.0.2.200',
      userAgent:
        'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0',
    };
    expect((await post('/sandbox/attack', { ...attack, count: 1 })).status).toBe(200);
    const parent = await until('the alert', (s) =>
      s.messages.find((m) => m.channel === 'C0SANDBOX' && !m.ephemeral && !m.threadTs && /build-server-7/.test(JSON.stringify(m.blocks))),
    );
    expect(JSON.stringify(parent.blocks)).toContain('ec2:DescribeInstances');
    expect(JSON.stringify(parent.blocks)).toContain('Client.UnauthorizedOperation');
    expect(JSON.stringify(parent.blocks)).toContain('192.0.2.200');

    await until('the first attack to finish', (s) => (!s.attack.running ? true : undefined));
    expect((await post('/sandbox/attack', { ...attack, count: 300 })).status).toBe(200);
    expect((await post('/sandbox/attack', { ...attack, count: 1 })).status, 'one attack at a time').toBe(409);
    await until('the flood to be sent', (s) => (!s.attack.running && s.attack.last?.sent === 300 ? true : undefined), 60_000);
    const counted = await until(
      'the parent to count 301 calls',
      (s) => s.messages.find((m) => m.id === parent.id && /\*301 calls\*/.test(JSON.stringify(m.blocks))),
      60_000,
    );
    const after = await state();
    const parents = after.messages.filter((m) => m.channel === 'C0SANDBOX' && !m.ephemeral && !m.threadTs);
    expect(parents, 'a flood is one incident, not 301 messages').toHaveLength(1);
    expect(after.messages.filter((m) => m.threadTs === counted.ts).length).toBeGreaterThan(0);

    // Disable: the button's own action id and value, as Slack would send them.
    const disable = button(counted, ALERT_ACTIONS.disableKey)!;
    expect(disable).toBeTruthy();
    expect(
      (
        await post('/sandbox/action', {
          messageId: counted.id,
          actionId: disable.action_id,
          blockId: disable.blockId,
          value: disable.value,
        })
      ).status,
    ).toBe(200);
    await until('the disabled state', (s) => s.messages.find((m) => m.id === parent.id && /Disabled/.test(JSON.stringify(m.blocks))));
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: after.awsEndpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const keyId = field(parent, 'Key id');
    const userName = field(parent, 'IAM user');
    expect(JSON.stringify(minted.blocks)).toContain(keyId);
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
    iam.destroy();
    expect(keys.find((k) => k.AccessKeyId === keyId)?.Status).toBe('Inactive');

    // A disabled key is refused before it reaches CloudTrail: nothing more is sent.
    await post('/sandbox/attack', { ...attack, count: 1 });
    const last = await until('the refusal', (s) =>
      !s.attack.running && /InvalidClientTokenId/.test(s.attack.last?.answer ?? '') ? s.attack.last : undefined,
    );
    expect(last.sent).toBe(0);
  }, 180_000);

  it('refuses other hosts, non-JSON posts and unsigned Slack requests', async () => {
    const port = new URL(sandbox.url).port;
    const rebound = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/sandbox/state', headers: { host: `evil.example:${port}` } }, (res) =>
        resolve(res.statusCode ?? 0),
      )
        .on('error', reject)
        .end(),
    );
    expect(rebound, 'a page on another name (DNS rebinding) is refused').toBe(403);
    const form = await fetch(`${sandbox.url}/sandbox/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'channel=C0SANDBOX&text=/canary+help',
    });
    expect(form.status).toBe(415);
    expect(
      (await post('/sandbox/attack', { canaryId: 'x', call: 'DeleteBucket', sourceIp: '1.2.3.4', userAgent: '', count: 1 })).status,
    ).toBe(400);
    const body = slashCommandBody({ text: 'help', userId: 'U0SANDBOX', responseUrl: 'http://127.0.0.1:1/r' });
    const forged = signed('not-the-secret', body, 'application/x-www-form-urlencoded');
    expect((await fetch(`${sandbox.url}/slack/events`, { method: 'POST', headers: forged.headers, body })).status).toBe(401);
    const real = signed(SANDBOX_SECRET, body, 'application/x-www-form-urlencoded');
    expect((await fetch(`${sandbox.url}/slack/events`, { method: 'POST', headers: real.headers, body })).status).toBe(200);
  });

  it("refuses a cross-site page's text/plain post to the Lambda Invoke route, whatever the path: no job runs", async () => {
    const before = await state();
    const job = JSON.stringify({
      type: 'audit',
      jobId: '00000000-0000-4000-8000-000000000001',
      responseUrl: 'http://127.0.0.1:1/commands/T0001/1/x',
    });
    const crossSite = { 'content-type': 'text/plain', origin: 'https://evil.example' };
    for (const path of [
      '/2015-03-31/functions/aws-canary-bot-jobs/invocations',
      '/lambda/guess/2015-03-31/functions/aws-canary-bot-jobs/invocations',
    ]) {
      expect(
        (await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { ...crossSite, 'x-amz-invocation-type': 'Event' }, body: job }))
          .status,
        path,
      ).toBe(403);
      // Even as JSON with a made-up signature, without the run's secret path.
      expect(
        (
          await fetch(`${sandbox.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'AWS4-HMAC-SHA256 Credential=x' },
            body: job,
          })
        ).status,
        path,
      ).toBe(403);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(sandbox.output()).not.toContain('invocation failed');
    expect((await state()).messages.length).toBe(before.messages.length);
  });

  it('pulls an ECR decoy as the intruder, and records an S3 read only while the decoy trail selects the object', async () => {
    for (const kind of ['ecr-image', 's3-object'])
      expect((await post('/sandbox/command', { channel: 'C0SANDBOX', text: `/canary new ${kind} sandbox decoys ${kind}` })).status).toBe(
        200,
      );
    const image = await until('the ECR decoy', (s) => s.attack.targets.find((t) => t.kind === 'ecr-image'));
    const object = await until('the S3 decoy', (s) => s.attack.targets.find((t) => t.kind === 's3-object'));
    expect(image.calls).toEqual(['BatchGetImage']);
    const attack = { sourceIp: '192.0.2.201', userAgent: 'docker/27.0', count: 1 };
    await until('no attack running', (s) => (!s.attack.running ? true : undefined));
    expect((await post('/sandbox/attack', { ...attack, canaryId: image.canaryId, call: 'GetObject' })).status).toBe(400);
    expect((await post('/sandbox/attack', { ...attack, canaryId: image.canaryId, call: 'BatchGetImage' })).status).toBe(200);
    const alert = await until('the pull alert', (s) =>
      s.messages.find((m) => !m.ephemeral && !m.threadTs && m.text.startsWith(`Canary ${image.canaryId} used`)),
    );
    expect(JSON.stringify(alert.blocks)).toContain('ecr:BatchGetImage');

    // As after a redeploy that reset the trail's selectors: the read happens, CloudTrail records nothing.
    const { env, awsEndpoint } = (await (await fetch(`${sandbox.url}/sandbox/deployment`)).json()) as {
      env: Record<string, string>;
      awsEndpoint: string;
    };
    const ct = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: awsEndpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ct.send(
      new PutEventSelectorsCommand({
        TrailName: env.DECOY_TRAIL_NAME,
        EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }],
      }),
    );
    ct.destroy();
    await until('no attack running', (s) => (!s.attack.running ? true : undefined));
    expect((await post('/sandbox/attack', { ...attack, canaryId: object.canaryId, call: 'GetObject' })).status).toBe(200);
    const last = await until('the unrecorded read', (s) =>
      !s.attack.running && s.attack.last?.canaryId === object.canaryId ? s.attack.last : undefined,
    );
    expect(last).toMatchObject({ sent: 0, answer: expect.stringContaining('CloudTrail records nothing') });
  }, 60_000);
});
