import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import * as z from 'zod/mini';
import { log } from '../../bot/log';
import { drainQueue } from '../alert-drain';
import { attack, createIntruder, keysInText } from '../attacker';
import type { Key } from '../attacker';
import { bootstrap } from '../bootstrap';
import { ATTACK_CALLS } from '../cloudtrail-record';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { selectsObject } from './trail-selection';
import { failureRecord, lambdaAdapter } from '../lambda-adapter';
import { startMoto } from '../moto';
import {
  STANDIN_APP_ID,
  STANDIN_TEAM_ID,
  blockAction,
  functionUrlEvent,
  interactionBody,
  signed,
  slashCommandBody,
  viewSubmission,
} from '../slack-requests';
import { startSlackStandin } from '../slack-standin';
import type { AttackState, SandboxState } from './page/state';
import { createWorkspace } from './workspace';
import type { CanaryRecord } from '../../bot/model/canary';

/**
 * The offline sandbox behind `npm start`: moto for AWS (with the detection rules of infra/
 * delivering to an SQS queue), a Slack stand-in, and the unchanged handlers: slack behind its
 * Function URL shape at /slack/events, jobs behind Lambda's Invoke API, alert fed by an SQS
 * poller. One local web page plays Slack and the attacker; it talks to the JSON routes below,
 * which turn clicks into the signed requests Slack would send.
 */
export const SANDBOX_USER = 'U0SANDBOX';
export const SANDBOX_SECRET = 'sandbox-signing-secret';
export const ALERT_CHANNEL = 'C0SANDBOX';
const TABLE = 'aws-canary-bot';
/** The trail the bot owns for S3 decoys' data events, as `-c decoys=s3,ecr` deploys it. */
const DECOY_TRAIL = `${TABLE}-decoys`;
const JOBS_FUNCTION = 'aws-canary-bot-jobs';
const MAX_FLOOD = 5000;

/** People the page can pick as owners; only the sandbox user is an admin. */
const USERS: Record<string, string> = { [SANDBOX_USER]: 'you', U0ALICE: 'alice', U0BOB: 'bob' };

export interface Sandbox {
  url: string;
  awsEndpoint: string;
  close(): Promise<void>;
}

const commandBody = z.object({ channel: z.string().check(z.regex(/^[CD][A-Z0-9]+$/)), text: z.string().check(z.maxLength(4000)) });
const actionBody = z.object({
  messageId: z.string(),
  actionId: z.string(),
  blockId: z.optional(z.string()),
  value: z.optional(z.string()),
});
const submitBody = z.object({ modalId: z.string(), values: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))) });
const attackBody = z.object({
  canaryId: z.string(),
  call: z.enum(ATTACK_CALLS),
  objectId: z.optional(z.string()),
  sourceIp: z.string().check(z.minLength(1), z.maxLength(64)),
  userAgent: z.string().check(z.maxLength(1000)),
  count: z.number().check(z.int(), z.minimum(1), z.maximum(MAX_FLOOD)),
  /**
   * A canary's key found somewhere else than a message in this sandbox (`npm run smoke` mints
   * through the core and holds the key itself): the attacker uses what it was given.
   */
  key: z.optional(
    z.object({
      accessKeyId: z.string().check(z.regex(/^AKIA[A-Z0-9]{12,124}$/)),
      secretAccessKey: z.string().check(z.minLength(20), z.maxLength(128)),
    }),
  ),
});

/** Calls a canary key can make; each decoy kind has its own (the intruder makes them). */
const KEY_CALLS = ATTACK_CALLS.filter((c) => c !== 'BatchGetImage');
const DECOY_CALLS: Record<string, string[]> = { 's3-object': ['GetObject'], 'ecr-image': ['BatchGetImage'] };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parse<T>(schema: z.ZodMiniType<T>, body: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const out = schema.safeParse(json);
  if (!out.success) throw new HttpError(400, z.prettifyError(out.error));
  return out.data;
}

async function pageBundle(): Promise<string> {
  const out = await build({
    entryPoints: [new URL('./page/app.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'chrome120',
    minify: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export async function startSandbox(opts: { port: number; region?: string }): Promise<Sandbox> {
  const region = opts.region ?? 'us-east-1';
  const moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  });
  const aws = await bootstrap({ table: TABLE, region, deliverTo: 'queue' });
  const standin = await startSlackStandin();
  const ws = createWorkspace(standin);
  const intruder = await createIntruder(region);
  // A decoys=s3,ecr deployment: bootstrap made the decoy rules; the S3 decoys need their trail.
  const s3 = new S3Client({ region, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: `${DECOY_TRAIL}-logs` })).catch((err: unknown) => {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((err as Error).name)) throw err;
  });
  s3.destroy();
  const trails = new CloudTrailClient({ region });
  await trails.send(new CreateTrailCommand({ Name: DECOY_TRAIL, S3BucketName: `${DECOY_TRAIL}-logs` })).catch((err: unknown) => {
    if ((err as Error).name !== 'TrailAlreadyExistsException') throw err;
  });
  await trails.send(new StartLoggingCommand({ Name: DECOY_TRAIL }));
  trails.destroy();
  const [script, html, css] = await Promise.all([
    pageBundle(),
    readFileSync(new URL('./page/index.html', import.meta.url), 'utf8'),
    readFileSync(new URL('./page/app.css', import.meta.url), 'utf8'),
  ]);

  const server = createServer();
  await new Promise<void>((r) => server.listen(opts.port, '127.0.0.1', r).once('error', () => server.listen(0, '127.0.0.1', r)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The Invoke route's per-run secret path: only the bot's SDK client, given it here, knows it.
  const lambdaPath = `/lambda/${randomBytes(24).toString('hex')}`;
  Object.assign(process.env, {
    SLACK_SIGNING_SECRET: SANDBOX_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-sandbox',
    SLACK_TEAM_ID: STANDIN_TEAM_ID,
    SLACK_APP_ID: STANDIN_APP_ID,
    SLACK_API_URL: standin.apiUrl,
    ALERT_CHANNEL_ID: ALERT_CHANNEL,
    CANARY_TABLE: TABLE,
    ADMIN_USER_IDS: SANDBOX_USER,
    JOBS_FUNCTION_NAME: JOBS_FUNCTION,
    // Only Lambda's endpoint points here (the adapter); every other service stays on moto.
    AWS_ENDPOINT_URL_LAMBDA: `${url}${lambdaPath}`,
    ALERT_QUEUE_URL: aws.queueUrl,
    DETECTION_RULE_NAME: aws.ruleName,
    DECOY_TRAIL_NAME: DECOY_TRAIL,
  });
  /**
   * What `npm run smoke -- --sandbox <url>` reads to find this deployment, as it reads a deployed
   * one's from its function's environment. Never the Invoke route's secret path or the signing
   * secret; the bot token is the stand-in's, which guards nothing.
   */
  const deployment = {
    region,
    awsEndpoint: moto.url,
    env: Object.fromEntries(
      [
        'CANARY_TABLE',
        'ALERT_CHANNEL_ID',
        'SLACK_API_URL',
        'SLACK_BOT_TOKEN',
        'ADMIN_USER_IDS',
        'DETECTION_RULE_NAME',
        'DECOY_TRAIL_NAME',
      ].map((k) => [k, process.env[k]!]),
    ),
  };
  // The bot's JSON logs would bury the URL; warnings and errors still show.
  if (!process.env.POWERTOOLS_LOG_LEVEL) log.setLogLevel('WARN');
  const [slack, jobs, alert] = await Promise.all([
    import('../../handlers/slack'),
    import('../../handlers/jobs'),
    import('../../handlers/alert'),
  ]);
  // A failed job goes to the alert queue, as the CDK app's on-failure destination sends it.
  const sqs = new SQSClient({ region });
  const lambda = lambdaAdapter(
    { [JOBS_FUNCTION]: jobs.handler },
    (name, event, err) => {
      log.error('sandbox: invocation failed', { function: name, error: String(err) });
      sqs
        .send(new SendMessageCommand({ QueueUrl: aws.queueUrl, MessageBody: JSON.stringify(failureRecord(name, event, err)) }))
        .catch((e: unknown) => log.error('sandbox: could not send the failure record', { error: String(e) }));
    },
    lambdaPath,
  );
  const drain = await drainQueue(aws.queueUrl, alert.handler, {
    region,
    onError: (err) => log.error('sandbox: alert queue poll failed', { error: String(err) }),
  });

  // --- Changes reach the page as server-sent events; it then fetches the state. ---
  const listeners = new Set<ServerResponse>();
  let version = 0;
  let notifyTimer: NodeJS.Timeout | undefined;
  const changed = () => {
    version++;
    notifyTimer ??= setTimeout(() => {
      notifyTimer = undefined;
      for (const res of listeners) res.write(`data: ${version}\n\n`);
    }, 100);
  };
  ws.onChange = changed;

  // --- The attacker's loot: keys shown in messages, as someone who found them would have them. ---
  const loot = (): Map<string, Key> => {
    const keys = new Map<string, Key>();
    for (const c of standin.calls) for (const k of keysInText(JSON.stringify(c.args).replace(/\\n/g, '\n'))) keys.set(k.accessKeyId, k);
    return keys;
  };
  let attackState: Pick<AttackState, 'running' | 'sent' | 'total' | 'last'> = { running: false, sent: 0, total: 0 };

  // The page refreshes on every change, many a second in a flood. Canaries change only with the
  // bot's own work, which always ends in a Slack call (the key shown, the message updated).
  let targetsCache: { calls: number; value: ReturnType<typeof findTargets> } | undefined;
  const attackTargets = () => {
    if (targetsCache?.calls !== standin.calls.length) targetsCache = { calls: standin.calls.length, value: findTargets() };
    return targetsCache.value;
  };

  async function findTargets() {
    const keys = loot();
    const canaries = (await (await slack.ready).runtime.store.allCanaries()).filter((c) => !c.retiredAt);
    const label = (c: CanaryRecord) => `${c.id} · ${c.location.slice(0, 60)}${c.status !== 'active' ? ` (${c.status})` : ''}`;
    return {
      targets: canaries
        .filter((c) => (c.kind === 'aws-key' && keys.has(c.resource.accessKeyId ?? '')) || DECOY_CALLS[c.kind])
        .map((c) => ({ canaryId: c.id, kind: c.kind, label: label(c), calls: DECOY_CALLS[c.kind] ?? [...KEY_CALLS] })),
      objects: canaries
        .filter((c) => c.kind === 's3-object')
        .map((c) => ({ canaryId: c.id, label: `s3://${c.resource.bucket}/${c.resource.key}` })),
    };
  }

  /** Checks the request, then starts the attack and returns; the page follows its progress. */
  async function runAttack(req: z.infer<typeof attackBody>): Promise<void> {
    // Claimed before any await, so two clicks cannot both start one.
    if (attackState.running) throw new HttpError(409, 'an attack is already running');
    const previous = attackState;
    attackState = { running: true, sent: 0, total: req.count, ...(previous.last ? { last: previous.last } : {}) };
    let plan: Parameters<typeof attack>[0];
    try {
      plan = await planAttack(req);
    } catch (err) {
      attackState = previous;
      throw err;
    }
    changed();
    const finish = (last: NonNullable<typeof attackState.last>) => {
      attackState = { running: false, sent: last.sent, total: req.count, last };
      changed();
    };
    const at = () => new Date().toISOString();
    void attack(plan, (sent) => {
      attackState.sent = sent;
      changed();
    }).then(
      ({ sent, answer }) => finish({ sent, answer, canaryId: req.canaryId, call: req.call, at: at() }),
      (err: unknown) =>
        finish({
          sent: attackState.sent,
          answer: `The sandbox could not make the call: ${err instanceof Error ? err.message : String(err)}`,
          canaryId: req.canaryId,
          call: req.call,
          at: at(),
        }),
    );
  }

  /** Which key calls what: a canary's found key, or the intruder's own for an S3 decoy. */
  async function planAttack(req: z.infer<typeof attackBody>): Promise<Parameters<typeof attack>[0]> {
    const canaries = await (await slack.ready).runtime.store.allCanaries();
    const canary = canaries.find((c) => c.id === req.canaryId);
    if (!canary) throw new HttpError(404, `no canary ${req.canaryId}`);
    if (canary.kind === 's3-object' && req.call !== 'GetObject') throw new HttpError(400, 'an S3 decoy can only be read (GetObject)');
    if ((canary.kind === 'ecr-image') !== (req.call === 'BatchGetImage'))
      throw new HttpError(400, 'BatchGetImage pulls an ECR decoy, and an ECR decoy can only be pulled');
    const decoy = canary.kind === 's3-object' ? canary : canaries.find((c) => c.id === req.objectId && c.kind === 's3-object');
    if (req.call === 'GetObject' && !decoy)
      throw new HttpError(400, 'GetObject needs an S3 decoy: mint one with /canary new s3-object <location>');
    if (req.key && req.key.accessKeyId !== canary.resource.accessKeyId) throw new HttpError(400, `that is not the key of ${canary.id}`);
    const key = canary.kind === 'aws-key' ? (req.key ?? loot().get(canary.resource.accessKeyId ?? '')) : intruder;
    if (!key) throw new HttpError(400, `the key of ${canary.id} was never shown in this sandbox`);
    const object = req.call === 'GetObject' && decoy ? { object: { bucket: decoy.resource.bucket!, key: decoy.resource.key! } } : {};
    const image = canary.kind === 'ecr-image' ? { image: { repository: canary.resource.repository!, tag: canary.resource.tag! } } : {};
    // S3 reads are data events: CloudTrail records one only for an object a trail selects.
    const unlogged =
      decoy && req.call === 'GetObject' && !(await selectsObject(region, DECOY_TRAIL, decoy.resource.bucket!, decoy.resource.key!))
        ? { unlogged: `the decoy trail ${DECOY_TRAIL} does not select this object for data events` }
        : {};
    return {
      key,
      canaryKey: canary.kind === 'aws-key',
      call: req.call,
      ...object,
      ...image,
      ...unlogged,
      sourceIp: req.sourceIp,
      userAgent: req.userAgent,
      count: req.count,
      region,
    };
  }

  async function state(): Promise<SandboxState> {
    return {
      version,
      user: SANDBOX_USER,
      users: USERS,
      channels: [
        { id: ALERT_CHANNEL, name: 'security' },
        { id: `D${SANDBOX_USER}`, name: 'Canary (DM)' },
      ],
      ...ws.snapshot(),
      attack: { ...(await attackTargets()), ...attackState, maxFlood: MAX_FLOOD },
      awsEndpoint: moto.url,
    };
  }

  // --- Slack's side: what it sends the bot for each thing the person does on the page. ---
  async function toBot(body: string, contentType: string): Promise<Record<string, unknown> | undefined> {
    const req = signed(SANDBOX_SECRET, body, contentType);
    const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: req.headers, body });
    const text = await res.text();
    if (res.status !== 200) throw new HttpError(502, `the bot answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  }

  async function command({ channel, text }: z.infer<typeof commandBody>) {
    const m = /^\s*\/canary(?:\s+([\s\S]*))?$/.exec(text);
    if (!m) {
      ws.addEphemeral(channel, { text: 'Only `/canary` commands reach the bot in this sandbox. Try `/canary help`.' });
      return;
    }
    const answer = await toBot(
      slashCommandBody({ text: (m[1] ?? '').trim(), userId: SANDBOX_USER, channelId: channel, responseUrl: ws.responseUrl({ channel }) }),
      'application/x-www-form-urlencoded',
    );
    if (answer) ws.addEphemeral(channel, answer);
  }

  async function action({ messageId, actionId, blockId, value }: z.infer<typeof actionBody>) {
    const msg = ws.findMessage(messageId);
    if (!msg) throw new HttpError(404, 'that message is gone');
    const origin = msg.ephemeral ? { channel: msg.channel, ephemeralId: msg.id } : { channel: msg.channel, messageTs: msg.ts! };
    const payload = blockAction({
      userId: SANDBOX_USER,
      actionId,
      value: value ?? '',
      responseUrl: ws.responseUrl(origin),
      channelId: msg.channel,
      messageTs: msg.ts ?? `${Math.floor(msg.at / 1000)}.000000`,
      ephemeral: msg.ephemeral,
      ...(blockId ? { blockId } : {}),
    });
    await toBot(interactionBody(payload), 'application/x-www-form-urlencoded');
  }

  async function submit({ modalId, values }: z.infer<typeof submitBody>) {
    const modal = ws.snapshot().modals.find((m) => m.id === modalId);
    if (!modal) throw new HttpError(404, 'that form is closed');
    const payload = viewSubmission({
      userId: SANDBOX_USER,
      callbackId: String(modal.view.callback_id ?? ''),
      privateMetadata: String(modal.view.private_metadata ?? ''),
      values,
    });
    const answer = await toBot(interactionBody(payload), 'application/x-www-form-urlencoded');
    if (answer?.response_action === 'errors') ws.setModalErrors(modalId, answer.errors as Record<string, string>);
    else ws.closeModals();
  }

  // --- Routing. ---
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'",
    });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      // Loopback only, and only by its own name: a page elsewhere cannot reach in (DNS rebinding).
      if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(req.headers.host ?? '')) return json(res, 403, { error: 'wrong host' });
      const path = new URL(req.url ?? '/', url).pathname;
      const body = req.method === 'POST' ? await readBody(req) : '';
      if (lambda.route(req, res, body)) return;
      if (req.method === 'POST' && path === '/slack/events') {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const out = await slack.handler(functionUrlEvent({ body, contentType: headers['content-type'] ?? '', headers }), {} as never);
        res.writeHead(out.statusCode ?? 200, { 'content-type': 'application/json', ...(out.headers as Record<string, string>) });
        return res.end(out.body ?? '');
      }
      if (req.method === 'GET') {
        if (path === '/') return send(res, 200, 'text/html; charset=utf-8', html);
        if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
        if (path === '/sandbox/app.js') return send(res, 200, 'text/javascript; charset=utf-8', script);
        if (path === '/sandbox/app.css') return send(res, 200, 'text/css; charset=utf-8', css);
        if (path === '/sandbox/state') return json(res, 200, await state());
        if (path === '/sandbox/deployment') return json(res, 200, deployment);
        if (path === '/sandbox/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          res.write(`data: ${version}\n\n`);
          listeners.add(res);
          req.on('close', () => listeners.delete(res));
          return;
        }
        return json(res, 404, { error: 'not found' });
      }
      // JSON only: a form on another site cannot send it without the browser asking first.
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/json'))
        return json(res, 415, { error: 'POST application/json' });
      if (path === '/sandbox/command') await command(parse(commandBody, body));
      else if (path === '/sandbox/action') await action(parse(actionBody, body));
      else if (path === '/sandbox/submit') await submit(parse(submitBody, body));
      else if (path === '/sandbox/close') ws.closeModals();
      else if (path === '/sandbox/attack') await runAttack(parse(attackBody, body));
      else return json(res, 404, { error: 'not found' });
      return json(res, 200, { ok: true });
    })().catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error('sandbox: request failed', { error: String(err) });
      if (!res.headersSent) json(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });

  return {
    url,
    awsEndpoint: moto.url,
    close: async () => {
      await drain.stop();
      await lambda.idle();
      sqs.destroy();
      for (const res of listeners) res.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await standin.close();
      await moto.stop();
    },
  };
}
