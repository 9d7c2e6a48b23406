import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The project's own modules under `roots` and the modules each imports, type-only imports
 * included (esbuild's metafile erases those, yet they tie modules together just the same).
 */
export function sourceGraph(repo: string, roots: string[]): Map<string, string[]> {
  const files = roots.flatMap((r) =>
    readdirSync(join(repo, r), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(r, f)),
  );
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const code = readFileSync(join(repo, file), 'utf8');
    const specs = [
      ...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms), // import x from, export { y } from
      ...code.matchAll(/^import\s+'(\.{1,2}\/[^']+)'/gm), // import './side-effect'
      ...code.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g), // import('./x'): dynamic, or in a type
    ].map((m) => m[1]!);
    const targets = specs
      .map((s) => resolve(repo, dirname(file), s))
      .map((abs) => [`${abs}.ts`, join(abs, 'index.ts'), abs].find((c) => c.endsWith('.ts') && existsSync(c)))
      .filter((abs): abs is string => abs !== undefined)
      .map((abs) => relative(repo, abs));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Import cycles: each strongly connected group of two or more modules (Tarjan's algorithm). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
