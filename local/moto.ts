import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * moto's standalone server: the AWS emulator behind the tests and the offline sandbox. Installed
 * on first use into ./.venv (pinned in requirements-moto.txt), started on a free loopback port.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VENV = join(ROOT, '.venv');
const LOCK = join(ROOT, '.venv.lock');

const bin = (name: string) => join(VENV, process.platform === 'win32' ? 'Scripts' : 'bin', name);

function run(cmd: string, args: string[]): void {
  const out = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${out.stderr || out.stdout}`);
}

async function withLock<T>(fn: () => T): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (i > 600) throw new Error(`another process holds ${LOCK}; remove it if nothing is installing`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Installs pinned Python tools into .venv unless they are already there: `requirements` files of
 * local/, installed together so pip resolves their shared dependencies once; `marker` names the
 * set; `probe` is a program the set puts in .venv/bin.
 */
export async function ensureVenv(requirements: string[], marker: string, probe: string, what: string): Promise<string> {
  const files = requirements.map((r) => join(ROOT, 'local', r));
  const markerFile = join(VENV, `.${marker}.sha256`);
  const hash = createHash('sha256');
  for (const f of files) hash.update(readFileSync(f));
  const wanted = hash.digest('hex');
  const ready = () => existsSync(bin(probe)) && existsSync(markerFile) && readFileSync(markerFile, 'utf8') === wanted;
  if (ready()) return bin(probe);
  return withLock(() => {
    if (ready()) return bin(probe);
    process.stderr.write(`Installing ${what} into .venv, once...\n`);
    if (!existsSync(bin('python'))) run(process.env.PYTHON ?? 'python3', ['-m', 'venv', VENV]);
    run(bin('python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...files.flatMap((f) => ['-r', f])]);
    writeFileSync(markerFile, wanted);
    return bin(probe);
  });
}

/** Installs moto into .venv unless the pinned version is already there. */
export const ensureMoto = (): Promise<string> =>
  ensureVenv(['requirements-moto.txt'], 'moto-requirements', 'moto_server', 'the AWS emulator (moto)');

/** The stack checkers (cfn-lint, checkov, parliament), beside moto so pip keeps both working. */
export const ensureCheckers = (): Promise<string> =>
  ensureVenv(
    ['requirements-moto.txt', 'requirements-checkers.txt'],
    'checkers-requirements',
    'checkov',
    'the stack checkers (cfn-lint, checkov, parliament)',
  );

/** A program .venv holds. */
export const venvBin = bin;

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export interface Moto {
  url: string;
  /** Forgets every resource: for tests that need a clean account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${url}:\n${log()}`);
}

export async function startMoto(): Promise<Moto> {
  await ensureMoto();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  // Through our launcher: moto's server plus emulator-only fixes for speed and thread safety (see moto_server.py).
  const child = spawn(bin('python'), [join(ROOT, 'local', 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  // However this process ends (process.exit on an error included), the emulator goes with it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  await waitUntilUp(url, child, () => output);
  // Lambda without Docker: an async Invoke is accepted and recorded instead of run in a container.
  const configure = () => fetch(`${url}/moto-api/config`, { method: 'POST', body: JSON.stringify({ lambda: { use_docker: false } }) });
  await configure();
  return {
    url,
    reset: async () => {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      await configure();
    },
    stop: () =>
      new Promise((res) => {
        process.off('exit', killOnExit);
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}
