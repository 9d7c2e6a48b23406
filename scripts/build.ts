import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * `npm run build`: one minified, tree-shaken CommonJS bundle per handler in dist/handlers/, with
 * a source map, for Lambda's Node 22 runtime. The AWS SDK clients are bundled (only the ones we
 * import) rather than taken from the runtime, so what was tested is what runs.
 */
export const HANDLERS = ['slack', 'jobs', 'alert', 'audit'] as const;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildHandlers(outdir = join(ROOT, 'dist', 'handlers')): Promise<Array<{ name: string; bytes: number }>> {
  mkdirSync(outdir, { recursive: true });
  // Lambda loads .js as CommonJS unless a package.json says otherwise; say it, so the folder
  // also loads correctly inside this ESM project (benchmarks, smoke tests).
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  const result = await build({
    entryPoints: Object.fromEntries(HANDLERS.map((h) => [h, join(ROOT, 'handlers', `${h}.ts`)])),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    // Short lines keep stack traces and Node's "uncaught error at this line" excerpt readable.
    lineLimit: 240,
    logLevel: 'warning',
  });
  return HANDLERS.map((name) => ({ name, bytes: result.metafile.outputs[join(outdir, `${name}.js`).slice(ROOT.length + 1)]?.bytes ?? 0 }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildHandlers().then(
    (sizes) => {
      for (const s of sizes) console.log(`dist/handlers/${s.name}.js  ${(s.bytes / 1024).toFixed(1)} KiB`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
