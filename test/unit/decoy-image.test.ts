import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decoyImage, serviceOf } from '../../bot/kinds/decoy-image';
import { REPOSITORIES } from '../../bot/kinds/ecr-image';
import { tar } from '../../bot/kinds/ustar';

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'decoy-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GNU tar's verbose listing: an independent reader of what ustar.ts writes. */
function gnuList(archive: Buffer): string[] {
  const file = join(dir, `${Math.random()}.tar`);
  writeFileSync(file, archive);
  return execFileSync('tar', ['-tvf', file, '--numeric-owner', '--full-time'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } })
    .trim()
    .split('\n');
}

describe('the ustar writer', () => {
  it('writes what GNU tar reads: modes, owners, times, sizes, directories, a path past 100 bytes', () => {
    const long = `opt/${'service-directory/'.repeat(6)}settings.json`;
    expect(long.length).toBeGreaterThan(100);
    const archive = tar([
      { path: 'app/', mode: 0o755, mtime: 1_700_000_000 },
      { path: 'app/run.sh', mode: 0o755, mtime: 1_700_000_001, uid: 1000, gid: 1000, body: Buffer.from('#!/bin/sh\nexec node .\n') },
      { path: long, mode: 0o644, mtime: 1_700_000_002, body: Buffer.alloc(513, 'x') },
      { path: 'app/empty', mode: 0o600, mtime: 1_700_000_003, body: Buffer.alloc(0) },
    ]);
    expect(archive.length % 512).toBe(0);
    expect(gnuList(archive).map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 app/',
      '-rwxr-xr-x 1000/1000 22 2023-11-14 22:13:21 app/run.sh',
      `-rw-r--r-- 0/0 513 2023-11-14 22:13:22 ${long}`,
      '-rw------- 0/0 0 2023-11-14 22:13:23 app/empty',
    ]);
    const file = join(dir, 'extract.tar');
    writeFileSync(file, archive);
    execFileSync('tar', ['-xf', file, '-C', dir, '--no-same-owner']);
    expect(readFileSync(join(dir, long), 'utf8')).toBe('x'.repeat(513));
  });
});

describe('decoy images', () => {
  it('drops the mint suffix from the repository name', () => {
    expect(serviceOf('payments-api-42')).toBe('payments-api');
    expect(serviceOf('data/etl-runner-17')).toBe('etl-runner');
    expect(serviceOf('web')).toBe('web');
  });

  it('for every repository name: a config whose diff_ids hash the layers, a manifest with true sizes and digests', () => {
    for (const r of REPOSITORIES) {
      const image = decoyImage(`${r}-42`, 'prod-hotfix', 'eu-west-2');
      const manifest = JSON.parse(image.manifest);
      expect(image.digest).toBe(sha256(image.manifest));
      expect(manifest.config).toEqual({
        mediaType: image.config.mediaType,
        size: image.config.bytes.length,
        digest: sha256(image.config.bytes),
      });
      expect(manifest.layers).toEqual(image.layers.map((l) => ({ mediaType: l.mediaType, size: l.bytes.length, digest: sha256(l.bytes) })));
      const config = JSON.parse(image.config.bytes.toString());
      const tars = image.layers.map((l) => gunzipSync(l.bytes));
      expect(config.rootfs.diff_ids).toEqual(tars.map((t) => sha256(t)));
      const workdir = config.config.WorkingDir.slice(1);
      const paths = tars.flatMap((t) => gnuList(t).map((l) => l.split(/\s+/).pop()!));
      expect(paths.filter((p) => !p.startsWith(`${workdir}/`) && !`${workdir}/`.startsWith(p))).toEqual([]);
      expect(paths.some((p) => p.endsWith('/README.md'))).toBe(true);
      // Built before it was pushed, from files checked out before the build.
      const created = Date.parse(config.created);
      expect(created).toBeLessThan(Date.now());
      expect(tars.flatMap((t) => gnuList(t)).every((l) => Date.parse(`${l.split(/\s+/).slice(3, 5).join('T')}Z`) <= created)).toBe(true);
    }
  });

  it('never the same twice: versions, paths, values and times vary from one decoy to the next', () => {
    const images = Array.from({ length: 24 }, () => decoyImage('payments-api-42', 'release-with-secrets', 'us-east-1'));
    const configs = images.map((i) => JSON.parse(i.config.bytes.toString()));
    expect(new Set(images.map((i) => i.digest)).size).toBe(images.length);
    expect(new Set(configs.map((c) => c.created)).size).toBe(images.length);
    expect(new Set(configs.map((c) => c.config.WorkingDir)).size).toBeGreaterThan(1);
    expect(new Set(configs.map((c) => c.config.Cmd.join(' '))).size).toBeGreaterThan(1);
    expect(new Set(configs.map((c) => c.config.Env.join(' '))).size).toBeGreaterThan(1);
    // Each decoy's credentials are its own.
    const hosts = images.map(
      (i) => /[\w-]+\.cluster-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com/.exec(gunzipSync(i.layers.at(-1)!.bytes).toString())?.[0],
    );
    expect(hosts.every(Boolean)).toBe(true);
    expect(new Set(hosts).size).toBe(images.length);
  });
});
