import { createHash, randomBytes, randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tar } from './ustar';
import type { TarEntry } from './ustar';

/**
 * The decoy image: a small application image that fits its repository's name (payments-api gets
 * an API, billing-worker a queue worker), built here and pushed blob by blob as docker pushes one.
 * ECR refuses a manifest whose blobs were never uploaded, and anyone who pulls the image sees its
 * files, so every blob is real: a config whose diff_ids are the sha256 of the uncompressed layers,
 * and gzip-compressed tar layers (the dependency manifest, then the app with its configuration).
 * Everything a regular expression could key on differs from one decoy to the next, within what a
 * real build would produce: language and versions, paths, file names, ports, users, times, values.
 * Not modelled: the base image's own layers (the image is small, and does not run).
 */
const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export interface ImageBlob {
  mediaType: string;
  bytes: Buffer;
  /** sha256 of the bytes as stored (a layer: compressed). */
  digest: string;
}

export interface DecoyImage {
  /** The manifest's: Docker v2 schema 2. */
  mediaType: string;
  config: ImageBlob;
  layers: ImageBlob[];
  /** The manifest exactly as pushed: its sha256 is the image digest. */
  manifest: string;
  digest: string;
}

interface Step {
  createdBy: string;
  /** The files this step adds: a layer. Steps without files only change the config. */
  files?: Array<{ path: string; body: string; mode?: number }>;
}

interface Build {
  workdir: string;
  uid: number;
  user: string;
  env: string[];
  cmd: string[];
  port?: number;
  steps: Step[];
}

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;
const between = (lo: number, hi: number) => randomInt(lo, hi + 1);
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MIXED = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const chars = (n: number, alphabet = LOWER) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const WORKER = /worker|runner|sync|etl|job|cron|consumer|batch|export/;

/** BuildKit's timestamps carry nanoseconds; a Date has milliseconds. */
const stamp = (ms: number) => new Date(ms).toISOString().replace(/Z$/, `${String(randomInt(1_000_000)).padStart(6, '0')}Z`);

/** "data/etl-runner-17" -> "etl-runner": the mint's numeric suffix is not part of the service's name. */
export function serviceOf(repository: string): string {
  const last = repository.split('/').pop()!;
  return last.replace(/[-_.]\d{1,3}$/, '') || last;
}

/** The values a leaked configuration would hold: shaped like the real thing, never the same twice. */
function secrets(domain: string, region: string) {
  const ident = domain.replace(/[^a-z0-9]/g, '_');
  return {
    dbHost: `${domain}-${pick(['db', 'pg', 'postgres', 'aurora'])}.cluster-${chars(12)}.${region}.rds.amazonaws.com`,
    dbName: pick([ident, `${ident}_prod`, `${ident}_production`]),
    dbUser: pick([`${ident}_app`, `svc_${ident}`, `${ident}_rw`, 'app']),
    dbPassword: chars(between(20, 32), MIXED),
    sentryDsn: `https://${hex(16)}@o${between(100000, 999999)}.ingest.sentry.io/${between(1000000, 4999999)}`,
    signingKey: hex(32),
    queue: `${domain}-${pick(['jobs', 'events', 'tasks', 'work'])}${pick(['', '-prod'])}`,
    logLevel: pick(['info', 'info', 'warn']),
  };
}

function readme(service: string, what: string, run: string[], configPath: string): string {
  return [
    `# ${service}`,
    '',
    `${what} ${pick(['Deployed to ECS', 'Runs on ECS Fargate', 'Deployed by the release pipeline'])} ${pick(['on merge to main', 'from tagged releases', 'after the staging soak'])}.`,
    '',
    `## ${pick(['Local development', 'Running locally', 'Development'])}`,
    '',
    ...run.map((l) => `    ${l}`),
    '',
    `${pick(['Configuration lives in', 'Settings are read from', 'Production settings:', 'Config is in'])} \`${configPath}\`${pick([' (rendered from Parameter Store at release time).', '; keep it in step with the production values.', '. Ask in #platform before changing production values.', '.'])}`,
    '',
  ].join('\n');
}

function nodeBuild(service: string, domain: string, version: string, region: string): Build {
  const s = secrets(domain, region);
  const major = pick([18, 20, 22]);
  const nodeVersion =
    major === 18
      ? `18.20.${between(2, 8)}`
      : major === 20
        ? `20.${between(11, 19)}.${between(0, 1)}`
        : `22.${between(4, 14)}.${between(0, 1)}`;
  const workdir = pick(['/app', '/usr/src/app', `/srv/${service}`, `/opt/${service}`]);
  const dir = pick(['src', 'lib', 'server']);
  const entry = `${dir}/${pick(['server.js', 'index.js', 'app.js', 'main.js'])}`;
  const configPath = `config/${pick(['production', 'default', 'prod'])}.json`;
  const worker = WORKER.test(service);
  const port = pick([3000, 8080, 8000, 4000]);
  const chown = randomInt(2) === 1;
  const caret = (a: number, b: number, c: number) => `^${a}.${b}.${c}`;
  const deps: Record<string, string> = {
    pg: caret(8, between(11, 13), between(0, 5)),
    pino: caret(pick([8, 9]), between(0, 15), between(0, 3)),
    ...(worker
      ? { '@aws-sdk/client-sqs': caret(3, between(500, 690), 0) }
      : { express: caret(4, between(18, 21), between(0, 2)), helmet: caret(7, between(0, 2), 0) }),
  };
  const pkg = {
    name: service,
    version,
    private: true,
    main: entry,
    scripts: { start: `node ${entry}`, test: pick(['jest --runInBand', 'node --test', 'vitest run']), lint: 'eslint .' },
    engines: { node: `>=${major}` },
    dependencies: Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b))),
  };
  const config = {
    ...(worker ? { queue: s.queue, concurrency: pick([2, 4, 8]) } : { port }),
    logLevel: s.logLevel,
    db: { host: s.dbHost, port: 5432, database: s.dbName, user: s.dbUser, password: s.dbPassword, ssl: true },
    sentry: { dsn: s.sentryDsn },
    ...(/auth|admin|portal/.test(service) ? { session: { signingKey: s.signingKey, ttlSeconds: pick([3600, 28800, 86400]) } } : {}),
  };
  const table = `${domain.replace(/[^a-z0-9]/g, '_')}${pick(['', 's', '_records'])}`;
  const code = worker
    ? [
        "'use strict';",
        '',
        "const { SQSClient, GetQueueUrlCommand, ReceiveMessageCommand, DeleteMessageCommand } = require('@aws-sdk/client-sqs');",
        "const { Pool } = require('pg');",
        "const pino = require('pino');",
        `const config = require('../${configPath}');`,
        '',
        'const log = pino({ level: config.logLevel });',
        'const db = new Pool(config.db);',
        'const sqs = new SQSClient({});',
        '',
        'async function main() {',
        '  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: config.queue }));',
        '  for (;;) {',
        '    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: config.concurrency, WaitTimeSeconds: 20 }));',
        '    for (const m of Messages) {',
        '      const job = JSON.parse(m.Body);',
        `      await db.query('INSERT INTO ${table} (id, payload) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [job.id, job]);`,
        '      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));',
        `      log.info({ id: job.id }, '${pick(['processed', 'done', 'job complete', 'handled'])}');`,
        '    }',
        '  }',
        '}',
        '',
        'main().catch((err) => {',
        `  log.fatal(err, '${pick(['worker stopped', 'fatal', 'worker crashed', 'exiting'])}');`,
        '  process.exit(1);',
        '});',
        '',
      ]
    : [
        "'use strict';",
        '',
        "const express = require('express');",
        "const helmet = require('helmet');",
        "const { Pool } = require('pg');",
        "const pino = require('pino');",
        `const config = require('../${configPath}');`,
        '',
        'const log = pino({ level: config.logLevel });',
        'const db = new Pool(config.db);',
        'const app = express();',
        'app.use(helmet());',
        'app.use(express.json());',
        '',
        `app.get('/${pick(['healthz', 'health', 'ping'])}', (_req, res) => res.send('ok'));`,
        `app.get('/${pick(['v1', 'api', 'api/v1'])}/${domain}/:id', async (req, res, next) => {`,
        '  try {',
        `    const { rows } = await db.query('SELECT * FROM ${table} WHERE id = $1', [req.params.id]);`,
        '    if (!rows.length) return res.sendStatus(404);',
        '    res.json(rows[0]);',
        '  } catch (err) {',
        '    next(err);',
        '  }',
        '});',
        '',
        `app.listen(config.port, () => log.info({ port: config.port }, '${service} listening'));`,
        '',
      ];
  const copy = chown ? 'COPY --chown=node:node' : 'COPY';
  return {
    workdir,
    uid: chown ? 1000 : 0,
    user: chown ? 'node' : '',
    env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `NODE_VERSION=${nodeVersion}`,
      `YARN_VERSION=${pick(['1.22.19', '1.22.22'])}`,
      'NODE_ENV=production',
    ],
    cmd: ['node', entry],
    port: worker ? undefined : port,
    steps: [
      { createdBy: `WORKDIR ${workdir}` },
      { createdBy: 'ENV NODE_ENV=production' },
      { createdBy: `${copy} package*.json ./ # buildkit`, files: [{ path: 'package.json', body: `${JSON.stringify(pkg, null, 2)}\n` }] },
      {
        createdBy: `${copy} . . # buildkit`,
        files: [
          { path: 'README.md', body: readme(service, `The ${service.replace(/-/g, ' ')} service.`, ['npm ci', `npm start`], configPath) },
          { path: configPath, body: `${JSON.stringify(config, null, 2)}\n` },
          { path: entry, body: code.join('\n') },
        ],
      },
    ],
  };
}

function pythonBuild(service: string, domain: string, version: string, region: string): Build {
  const s = secrets(domain, region);
  const pyVersion = pick([`3.10.${between(13, 16)}`, `3.11.${between(7, 11)}`, `3.12.${between(2, 9)}`]);
  const workdir = pick(['/app', '/srv/app', `/opt/${service}`, '/code']);
  const pkgDir = pick(['app', service.replace(/[^a-z0-9]/g, '_')]);
  const worker = WORKER.test(service);
  const port = pick([8000, 8080, 5000]);
  const envPath = pick(['.env', '.env.production', 'config/production.env']);
  const user = pick(['', '10001']);
  const pin = (name: string, v: string) => `${name}==${v}`;
  const requirements = [
    ...(worker
      ? [pin('boto3', `1.${between(34, 35)}.${between(0, 99)}`)]
      : [pin('fastapi', `0.1${between(4, 15)}.${between(0, 3)}`), pin('uvicorn[standard]', `0.${between(24, 32)}.${between(0, 1)}`)]),
    pin('psycopg2-binary', `2.9.${between(7, 10)}`),
    pin('pydantic-settings', `2.${between(1, 6)}.${between(0, 1)}`),
    pin('sentry-sdk', `${pick([1, 2])}.${between(10, 19)}.${between(0, 2)}`),
  ];
  const env = [
    ...(worker ? [`QUEUE_NAME=${s.queue}`, `BATCH_SIZE=${pick([5, 10])}`] : [`PORT=${port}`]),
    `LOG_LEVEL=${s.logLevel.toUpperCase()}`,
    `DATABASE_URL=postgresql://${s.dbUser}:${s.dbPassword}@${s.dbHost}:5432/${s.dbName}?sslmode=require`,
    `SENTRY_DSN=${s.sentryDsn}`,
    ...(/auth|admin|portal/.test(service) ? [`SECRET_KEY=${s.signingKey}`] : []),
    `AWS_DEFAULT_REGION=${region}`,
    '',
  ].join('\n');
  const table = `${domain.replace(/[^a-z0-9]/g, '_')}${pick(['', 's', '_records'])}`;
  const settings = [
    'from pydantic_settings import BaseSettings, SettingsConfigDict',
    '',
    '',
    'class Settings(BaseSettings):',
    `    model_config = SettingsConfigDict(env_file="${envPath}")`,
    '',
    '    database_url: str',
    '    sentry_dsn: str = ""',
    '    log_level: str = "INFO"',
    ...(worker ? ['    queue_name: str', '    batch_size: int = 10'] : []),
    '',
    '',
    'settings = Settings()',
    '',
  ];
  const entry = worker ? `${pkgDir}/worker.py` : `${pkgDir}/main.py`;
  const code = worker
    ? [
        'import json',
        'import logging',
        '',
        'import boto3',
        'import psycopg2',
        '',
        'from .settings import settings',
        '',
        'log = logging.getLogger(__name__)',
        '',
        '',
        'def main() -> None:',
        '    logging.basicConfig(level=settings.log_level)',
        '    sqs = boto3.client("sqs")',
        '    queue_url = sqs.get_queue_url(QueueName=settings.queue_name)["QueueUrl"]',
        '    db = psycopg2.connect(settings.database_url)',
        '    while True:',
        '        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=settings.batch_size, WaitTimeSeconds=20)',
        '        for message in batch.get("Messages", []):',
        '            job = json.loads(message["Body"])',
        '            with db, db.cursor() as cur:',
        `                cur.execute("INSERT INTO ${table} (id, payload) VALUES (%s, %s) ON CONFLICT DO NOTHING", (job["id"], json.dumps(job)))`,
        '            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])',
        `            log.info("${pick(['processed', 'done', 'handled'])} %s", job["id"])`,
        '',
        '',
        'if __name__ == "__main__":',
        '    main()',
        '',
      ]
    : [
        'import psycopg2',
        'from fastapi import FastAPI, HTTPException',
        '',
        'from .settings import settings',
        '',
        `app = FastAPI(title="${service}")`,
        '',
        '',
        `@app.get("/${pick(['healthz', 'health'])}")`,
        'def health() -> str:',
        '    return "ok"',
        '',
        '',
        `@app.get("/${pick(['v1', 'api/v1'])}/${domain}/{item_id}")`,
        'def get_item(item_id: str) -> dict:',
        '    with psycopg2.connect(settings.database_url) as db, db.cursor() as cur:',
        `        cur.execute("SELECT * FROM ${table} WHERE id = %s", (item_id,))`,
        '        row = cur.fetchone()',
        '        if row is None:',
        '            raise HTTPException(status_code=404)',
        '        return dict(zip([c.name for c in cur.description], row))',
        '',
      ];
  const cmd = worker
    ? ['python', '-m', `${pkgDir}.worker`]
    : pick([
        ['uvicorn', `${pkgDir}.main:app`, '--host', '0.0.0.0', '--port', String(port)],
        ['gunicorn', '-k', 'uvicorn.workers.UvicornWorker', '-b', `0.0.0.0:${port}`, `${pkgDir}.main:app`],
      ]);
  if (cmd[0] === 'gunicorn') requirements.push(pin('gunicorn', `2${between(1, 3)}.${between(0, 1)}.0`));
  return {
    workdir,
    uid: 0,
    user,
    env: [
      'PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'LANG=C.UTF-8',
      `PYTHON_VERSION=${pyVersion}`,
      'PYTHONDONTWRITEBYTECODE=1',
      'PYTHONUNBUFFERED=1',
    ],
    cmd,
    port: worker ? undefined : port,
    steps: [
      { createdBy: `WORKDIR ${workdir}` },
      { createdBy: 'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1' },
      {
        createdBy: 'COPY requirements.txt ./ # buildkit',
        files: [{ path: 'requirements.txt', body: `${requirements.sort().join('\n')}\n` }],
      },
      {
        createdBy: 'COPY . . # buildkit',
        files: [
          {
            path: 'README.md',
            body: readme(
              service,
              `The ${service.replace(/-/g, ' ')} ${worker ? 'worker' : 'API'}.`,
              ['pip install -r requirements.txt', cmd.join(' ')],
              envPath,
            ),
          },
          { path: envPath, body: env },
          { path: `${pkgDir}/__init__.py`, body: `__version__ = "${version}"\n` },
          { path: `${pkgDir}/settings.py`, body: settings.join('\n') },
          { path: entry, body: code.join('\n') },
        ],
      },
    ],
  };
}

/** The layer's tar: each directory (the workdir's parents too, in the first) before its files, in byte order. */
function layer(
  workdir: string,
  files: NonNullable<Step['files']>,
  uid: number,
  fileTime: number,
  dirTime: number,
  withParents: boolean,
): Buffer {
  const root = workdir.replace(/^\/+|\/+$/g, '');
  // COPY --chown owns what it creates; the workdir itself was made by WORKDIR, as root.
  const owner = (path: string) => (path.startsWith(`${root}/`) && path !== `${root}/` ? uid : 0);
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  const dir = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    entries.push({ path, mode: 0o755, mtime: dirTime, uid: owner(path), gid: owner(path) });
  };
  const rootParts = root.split('/');
  for (let i = withParents ? 1 : rootParts.length; i <= rootParts.length; i++) dir(`${rootParts.slice(0, i).join('/')}/`);
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const segments = f.path.split('/');
    for (let i = 1; i < segments.length; i++) dir(`${root}/${segments.slice(0, i).join('/')}/`);
    const path = `${root}/${f.path}`;
    entries.push({ path, mode: f.mode ?? 0o644, mtime: fileTime, uid: owner(path), gid: owner(path), body: Buffer.from(f.body) });
  }
  return tar(entries);
}

/** A decoy image for this repository and tag, in `region` (where its configuration's endpoints point). */
export function decoyImage(repository: string, tag: string, region: string, now = Date.now()): DecoyImage {
  const service = serviceOf(repository);
  const domain = service.split(/[-_.]/)[0] || service;
  const version = /(\d+\.\d+\.\d+)/.exec(tag)?.[1] ?? `${between(1, 4)}.${between(0, 19)}.${between(0, 30)}`;
  const python = WORKER.test(service) ? randomInt(3) > 0 : /portal|web|ui|frontend/.test(service) ? false : randomInt(2) === 1;
  const build = (python ? pythonBuild : nodeBuild)(service, domain, version, region);
  // A build some days ago, from a checkout a few minutes before it; its steps seconds apart.
  const built = now - between(2, 40) * 86_400_000 - between(0, 86_399) * 1000;
  const checkout = Math.floor((built - between(40, 600) * 1000) / 1000);
  const history: Array<Record<string, unknown>> = [];
  const diffIds: string[] = [];
  const layers: ImageBlob[] = [];
  let t = built;
  const steps: Step[] = [
    ...build.steps,
    ...(build.port ? [{ createdBy: `EXPOSE map[${build.port}/tcp:{}]` }] : []),
    ...(build.user ? [{ createdBy: `USER ${build.user}` }] : []),
    { createdBy: `CMD [${build.cmd.map((a) => JSON.stringify(a)).join(' ')}]` },
  ];
  for (const step of steps) {
    t += between(80, 4000);
    const created = stamp(t);
    if (step.files) {
      const raw = layer(build.workdir, step.files, build.uid, checkout, Math.floor(t / 1000), layers.length === 0);
      const bytes = gzipSync(raw);
      diffIds.push(sha256(raw));
      layers.push({ mediaType: LAYER_MEDIA_TYPE, bytes, digest: sha256(bytes) });
      history.push({ created, created_by: step.createdBy, comment: 'buildkit.dockerfile.v0' });
    } else {
      history.push({ created, created_by: step.createdBy, comment: 'buildkit.dockerfile.v0', empty_layer: true });
    }
  }
  const arch = pick(['amd64', 'amd64', 'arm64']);
  const labels: Record<string, string> = {
    'org.opencontainers.image.revision': hex(20),
    'org.opencontainers.image.version': version,
    ...(randomInt(2) ? { 'org.opencontainers.image.created': stamp(built).replace(/\.\d+Z$/, 'Z') } : {}),
  };
  // Keys in Go's order for this struct, which is how docker writes an image config.
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      config: {
        ...(build.user ? { User: build.user } : {}),
        ...(build.port ? { ExposedPorts: { [`${build.port}/tcp`]: {} } } : {}),
        Env: build.env,
        Cmd: build.cmd,
        WorkingDir: build.workdir,
        Labels: labels,
      },
      created: history.at(-1)!.created,
      history,
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
      ...(arch === 'arm64' ? { variant: 'v8' } : {}),
    }),
  );
  const configBlob: ImageBlob = { mediaType: CONFIG_MEDIA_TYPE, bytes: config, digest: sha256(config) };
  const descriptor = (b: ImageBlob) => ({ mediaType: b.mediaType, size: b.bytes.length, digest: b.digest });
  // Indented with three spaces, as docker push writes a manifest.
  const manifest = JSON.stringify(
    { schemaVersion: 2, mediaType: MANIFEST_MEDIA_TYPE, config: descriptor(configBlob), layers: layers.map(descriptor) },
    null,
    3,
  );
  return { mediaType: MANIFEST_MEDIA_TYPE, config: configBlob, layers, manifest, digest: sha256(manifest) };
}
