import { build } from 'esbuild';
import { bundleOptions } from './scripts/build';
const stub = (process.argv[2] ?? '').split(',').filter(Boolean);
const o = bundleOptions('slack', '/tmp/w/probe');
await build({ ...o, outdir: undefined, outfile: `/tmp/w/probe-${process.argv[3]}.js`, entryPoints: [Object.values(o.entryPoints as Record<string, string>)[0]!],
  plugins: [...o.plugins!, { name: 'probe', setup(b) {
    const re = new RegExp(`^(${stub.map((s) => s.replace(/[/.]/g, '\\$&')).join('|')})$`);
    if (stub.length) b.onResolve({ filter: re }, (a) => ({ path: a.path, namespace: 'probe' }));
    b.onLoad({ filter: /.*/, namespace: 'probe' }, () => ({ contents: 'module.exports = new Proxy(function(){}, { get: (t,k) => k === "__esModule" ? undefined : class {} , construct: () => ({}) });', loader: 'js' }));
  } }] });
