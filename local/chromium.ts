import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/**
 * Headless Chromium for the browser test and the README screenshots, found without root:
 * 1. CHROMIUM_PATH;
 * 2. a system Chromium or Chrome (CHROMIUM_BUNDLED=1 skips it, to try 3 on a machine that has one);
 * 3. the one `npm ci` brings: @sparticuz/chromium (a devDependency) ships a self-contained
 *    headless Chromium for Linux x64 as Brotli files in the npm package itself, with the few
 *    libraries it needs (NSS, NSPR, expat) and fonts. It is unpacked once into node_modules/.cache.
 *    No download from anywhere but the registry. (On arm64 the package has no binary: use 1 or 2.)
 *
 * The flags keep it off the network: without them it reaches for Google's services at start, which
 * a closed machine refuses. Playwright gives each launch a fresh profile.
 */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SYSTEM = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Found {
  executablePath: string;
  env?: Record<string, string>;
}

/** Unpacks @sparticuz/chromium's binary, libraries and fonts (once per package version). */
function bundledChromium(): Found | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let pkgDir: string;
  try {
    // The package exports only its entry point (build/cjs/index.cjs); its data sits in ../../bin.
    pkgDir = resolve(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', '..');
  } catch {
    return undefined;
  }
  const bin = join(pkgDir, 'bin');
  if (!existsSync(join(bin, 'chromium.br'))) return undefined;
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(ROOT, 'node_modules', '.cache', `sparticuz-chromium-${version}`);
  const exe = join(dir, 'chromium');
  if (!existsSync(exe)) {
    const tmp = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'fonts'), { recursive: true });
    writeFileSync(join(tmp, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))), { mode: 0o755 });
    for (const [pack, into] of [
      ['al2023.tar.br', tmp],
      ['fonts.tar.br', join(tmp, 'fonts')],
    ] as const) {
      const out = spawnSync('tar', ['-x', '-f', '-', '-C', into], { input: brotliDecompressSync(readFileSync(join(bin, pack))) });
      if (out.status !== 0) throw new Error(`unpacking ${pack}: ${out.stderr.toString()}`);
    }
    writeFileSync(
      join(tmp, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(dir, 'fonts', 'fonts')}</dir><dir>/usr/share/fonts</dir><cachedir>${join(dir, 'fonts-cache')}</cachedir></fontconfig>\n`,
    );
    // Another process may have unpacked it meanwhile: the first rename wins, the rest tidy up.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { executablePath: exe, env: { LD_LIBRARY_PATH: join(dir, 'al2023', 'lib'), FONTCONFIG_FILE: join(dir, 'fonts.conf') } };
}

export function findChromium(): Found {
  if (process.env.CHROMIUM_PATH) {
    if (!existsSync(process.env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
    return { executablePath: process.env.CHROMIUM_PATH };
  }
  const system = process.env.CHROMIUM_BUNDLED ? undefined : SYSTEM.find((p) => existsSync(p));
  const found = system ? { executablePath: system } : bundledChromium();
  if (!found)
    throw new Error(
      'no Chromium found: set CHROMIUM_PATH, install Chromium or Chrome, or run `npm ci` on Linux x64 (it brings @sparticuz/chromium)',
    );
  return found;
}

export async function launchChromium(): Promise<Browser> {
  const { executablePath, env } = findChromium();
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, env: env ? { ...process.env, ...env } : undefined });
}
