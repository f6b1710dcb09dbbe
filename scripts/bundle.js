#!/usr/bin/env node
/**
 * Bundles the CLI into dist/bundle/ with esbuild (run by `npm run build`, after tsc).
 *
 *   dist/bundle/main.js          the CLI (bin/dstream.js imports it): every module that
 *                                `echo x | dstream --count` needs, in one file, so that
 *                                start-up parses one file instead of resolving ~100
 *   dist/bundle/worker-entry.js  the body of a --workers thread (engine/workers.ts loads
 *                                './worker-entry.js' beside the module that starts it)
 *   dist/bundle/kafka-worker.js  the Kafka sink's I/O thread (sinks/kafka-output.ts loads it the same way)
 *   dist/bundle/lua/*.lua        the Redis backend's scripts (also copied to dist/distributed/redis/lua)
 *   dist/bundle/chunk-*.js       code shared by the two, and what is only imported
 *                                dynamically (ioredis, prom-client, chokidar, ora,
 *                                log-update, sockets, distributed mode…): loaded when used
 *
 * `dist/` (tsc) stays the library API (package.json "exports"). unix-dgram (native,
 * optional) stays external and is required at run time. Pass `--meta` to print
 * what each output file holds.
 */
import { build, analyzeMetafile } from 'esbuild';
import { cpSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * yargs imports Node's `assert` for two argument checks; loading `assert` costs more start-up
 * than all of yargs' parsing (measured: ~15 % of `echo x | dstream --count`). This plugin gives
 * yargs the two functions it uses, with the same contract (throw when the check fails).
 */
const assertShim = {
  name: 'assert-shim',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) => (args.importer.includes('/node_modules/yargs/') ? { path: 'assert', namespace: 'assert-shim' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'assert-shim' }, () => ({
      contents: `const fail = (m, d) => { throw m instanceof Error ? m : new Error(m ?? d); };
export const strictEqual = (a, b, m) => { if (!Object.is(a, b)) fail(m, 'Expected values to be strictly equal'); };
export const notStrictEqual = (a, b, m) => { if (Object.is(a, b)) fail(m, 'Expected values to be strictly unequal'); };`,
      loader: 'js',
    }));
  },
};

// Built beside, then swapped in: a dstream started during the build finds the old bundle or the new one.
const OUT = resolve(ROOT, 'dist/bundle');
const NEXT = `${OUT}.next-${process.pid}`;
const OLD = `${OUT}.old-${process.pid}`;
rmSync(NEXT, { recursive: true, force: true });
const common = {
  absWorkingDir: ROOT,
  outdir: NEXT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // @platformatic/kafka loads its own files (a WebAssembly module) beside its sources: not bundled.
  external: ['unix-dgram', '@platformatic/kafka', 'mnemonist'],
  // CommonJS dependencies (ioredis, yargs' helpers…) call require() for Node built-ins.
  banner: { js: "import { createRequire as __dstreamCreateRequire } from 'node:module'; const require = __dstreamCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [assertShim],
};
// Two builds, so that the two entries share no chunk: each thread loads one file at start.
const results = await Promise.all([
  build({ ...common, entryPoints: { main: 'src/cli/main.ts' }, splitting: true, chunkNames: 'chunk-[hash]' }),
  build({ ...common, entryPoints: { 'worker-entry': 'src/engine/worker-entry.ts' } }),
  build({ ...common, entryPoints: { 'kafka-worker': 'src/sinks/kafka-worker.ts' } }),
]);
// The Redis backend reads its Lua scripts beside the module that loads them (import.meta.url):
// beside the tsc output, and beside the bundle's chunks.
const LUA = resolve(ROOT, 'src/distributed/redis/lua');
cpSync(LUA, resolve(ROOT, 'dist/distributed/redis/lua'), { recursive: true });
cpSync(LUA, resolve(NEXT, 'lua'), { recursive: true });
try {
  renameSync(OUT, OLD);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
renameSync(NEXT, OUT);
rmSync(OLD, { recursive: true, force: true });
if (process.argv.includes('--meta')) for (const r of results) console.log(await analyzeMetafile(r.metafile));
