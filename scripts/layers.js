#!/usr/bin/env node
/**
 * The layer picture of src/: which folder may import which, every import that
 * runs upward, and every import cycle between files. Used by
 * test/architecture/layers.test.ts; run by hand (`node scripts/layers.js`) it
 * prints folders with file and line counts, upward imports and cycles.
 *
 * Layers, lowest first (a file may import its own layer and those below):
 *   0 core/                       types, errors, durations, time, node protocol, issue log
 *   1 operators/ windows/ state/ sources/ sinks/ checkpoint/ parsers/
 *                                 the pieces a job is made of; parsers/ sits here, as
 *                                 it turns a line into a record and knows no plan
 *   2 plan/                       flags or API calls → one validated JobPlan (pure data)
 *   3 engine/                     StreamingContext/DStream, job generator, micro-batches, recovery
 *   4 distributed/ observe/       a second runtime over a shared log; listeners of batch events
 *   5 index.ts                    the public API
 *   6 cli/                        argv → JobPlan, composition root, signals, exit codes, rendering
 *
 * Imports are read as text: `import … from`, `export … from` and `import('…')`,
 * type-only ones included (a cycle of types is still two files that cannot be
 * read one after the other).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Rank of each top-level part of src/ (see module doc). */
export const LAYERS = {
  core: 0,
  operators: 1, windows: 1, state: 1, sources: 1, sinks: 1, checkpoint: 1, parsers: 1,
  plan: 2,
  engine: 3,
  distributed: 4, observe: 4,
  'index.ts': 5,
  cli: 6,
};

/** The top-level part of src/ a file (path relative to src/, with `/`) belongs to. */
export function partOf(file) {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/**
 * The import graph of `srcDir`: file (relative to src/, `/`-separated) → files it imports.
 * Only relative imports of files inside src/ count; `.js` specifiers are read as their `.ts` sources.
 */
export function importGraph(srcDir) {
  const graph = new Map();
  const lines = new Map();
  for (const abs of walk(srcDir)) {
    const file = relative(srcDir, abs).split('\\').join('/');
    const text = readFileSync(abs, 'utf8');
    lines.set(file, text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
    const deps = new Set();
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      const target = relative(srcDir, resolve(dirname(abs), spec.replace(/\.js$/, '.ts'))).split('\\').join('/');
      if (!target.startsWith('..')) deps.add(target);
    }
    graph.set(file, [...deps].sort());
  }
  return { graph, lines };
}

/** Imports from a lower layer into a higher one: `[from, to]` pairs, sorted. Unknown folders count as upward. */
export function upwardImports(graph) {
  const up = [];
  for (const [from, deps] of graph) {
    const rank = LAYERS[partOf(from)] ?? -1;
    for (const to of deps) if ((LAYERS[partOf(to)] ?? Infinity) > rank) up.push([from, to]);
  }
  return up.sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1));
}

/** Every set of files that import each other (Tarjan's strongly connected components of more than one file, or a file importing itself). */
export function importCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The picture printed by `node scripts/layers.js`. */
export function layerReport(srcDir) {
  const { graph, lines } = importGraph(srcDir);
  const parts = new Map();
  for (const [file, n] of lines) {
    const p = partOf(file);
    const e = parts.get(p) ?? { files: 0, lines: 0, largest: ['', 0] };
    e.files++;
    e.lines += n;
    if (n > e.largest[1]) e.largest = [file, n];
    parts.set(p, e);
  }
  const out = ['layer  part          files  lines  largest file'];
  for (const [p, e] of [...parts].sort((a, b) => (LAYERS[a[0]] ?? 99) - (LAYERS[b[0]] ?? 99) || (a[0] < b[0] ? -1 : 1))) {
    out.push(`${String(LAYERS[p] ?? '?').padEnd(6)} ${p.padEnd(13)} ${String(e.files).padStart(5)} ${String(e.lines).padStart(6)}  ${e.largest[0]} (${e.largest[1]})`);
  }
  const up = upwardImports(graph);
  out.push('', `upward imports: ${up.length}`, ...up.map(([a, b]) => `  ${a} → ${b}`));
  const cycles = importCycles(graph);
  out.push('', `import cycles: ${cycles.length}`, ...cycles.map((c) => `  ${c.join(' ↔ ')}`));
  const big = [...lines].filter(([, n]) => n > 300).sort((a, b) => b[1] - a[1]);
  out.push('', `files over 300 lines: ${big.length}`, ...big.map(([f, n]) => `  ${f} (${n})`));
  return out.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(layerReport(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src')));
}
