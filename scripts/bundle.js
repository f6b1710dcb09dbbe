#!/usr/bin/env node
/**
 * Bundles the CLI into dist/bundle/ with esbuild (run by `npm run build`, after tsc).
 *
 *   dist/bundle/main.cjs         the CLI, in one CommonJS file (no code splitting): what
 *                                `echo x | dstream --count` runs is one file to read, and the
 *                                rest (ioredis, prom-client, chokidar, ora, sockets, distributed
 *                                mode…) is only initialised when used. Its last line is
 *                                `// dstream-build <id>` (a hash of its text).
 *   dist/bundle/main.<id>.v8     V8's code cache of main.cjs, written by running
 *                                `echo x | dstream --count` once on the new bundle
 *   dist/bundle/start.cjs        src/cli/start.cts (tsc's dist/cli/start.cjs): bin/dstream.js calls
 *                                it; it compiles main.cjs with the code cache
 *   dist/bundle/worker-entry.cjs the body of a --workers thread, CommonJS (engine/workers-threads.ts
 *                                loads './worker-entry.cjs' beside the bundle that starts it)
 *   dist/bundle/kafka-worker.js  the Kafka sink's I/O thread (sinks/kafka-output.ts loads it the same way)
 *   dist/bundle/kafka-client.cjs @platformatic/kafka in one CommonJS file, which main.cjs requires in its
 *                                place: loading the package's ES modules one by one cost about 0.25 s of
 *                                CPU in every process that talks to Kafka (a distributed worker, cat,
 *                                publish, --kafka); this file, about 0.07 s. Its WebAssembly helper
 *                                (@platformatic/wasm-utils reads its .wasm beside itself) stays outside.
 *   dist/bundle/lua/*.lua        the Redis backend's scripts (also copied to dist/distributed/redis/lua)
 *
 * `dist/` (tsc) stays the library API (package.json "exports"). unix-dgram (native,
 * optional) and mnemonist stay external and are loaded at run time; @platformatic/kafka is
 * kafka-client.cjs (above), except in the Kafka sink's thread.
 * Pass `--meta` to print what each output file holds.
 */
import { build, analyzeMetafile } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/** main.cjs requires kafka-client.cjs (beside it) where the sources import @platformatic/kafka. */
const kafkaClient = {
  name: 'kafka-client',
  setup(b) {
    b.onResolve({ filter: /^@platformatic\/kafka$/ }, () => ({ path: './kafka-client.cjs', external: true }));
  },
};
/** What a CommonJS bundle of ES modules needs: their import.meta.url is the bundle's own URL. */
const cjs = {
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__dstreamMetaUrl' },
  banner: { js: "'use strict'; var __dstreamMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
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
// Three builds, each one file: each process or thread loads one file at start.
const results = await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'src/cli/main.ts' },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    // import.meta.url is the bundle's own URL, as in the ES module it was (files beside it:
    // worker-entry.js, kafka-worker.js, lua/, ../../package.json).
    define: { 'import.meta.url': '__dstreamMetaUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
    // "use strict" first (the modules were ES modules, strict): esbuild's own comes after the banner.
    banner: { js: "'use strict'; var __dstreamMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    // No comments (they hold non-ASCII text; start.cts reads the file as latin1) and less to read.
    minifyWhitespace: true,
    minifySyntax: true,
    // import() of an external module (mnemonist) as require(): vm.Script, which src/cli/start.cts
    // runs the bundle with, has no import() that works with a code cache (and Node 20's is experimental).
    supported: { 'dynamic-import': false },
    external: ['unix-dgram', 'mnemonist'],
    plugins: [assertShim, kafkaClient],
  }),
  // CommonJS, as main.cjs: a thread that loads an ES module starts Node's ESM loader first (measured:
  // tens of ms of every thread's start).
  build({
    ...common,
    entryPoints: { 'worker-entry': 'src/engine/worker-entry.ts' },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__dstreamMetaUrl' },
    banner: { js: "'use strict'; var __dstreamMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({ ...common, entryPoints: { 'kafka-worker': 'src/sinks/kafka-worker.ts' } }),
  build({ ...common, ...cjs, entryPoints: { 'kafka-client': '@platformatic/kafka' }, external: ['@platformatic/wasm-utils'], plugins: [] }),
]);
const clientMeta = results[3].warnings.find((w) => w.id === 'empty-import-meta');
if (clientMeta) throw new Error(`@platformatic/kafka bundle: ${clientMeta.text} (${clientMeta.location?.file}:${clientMeta.location?.line}); scripts/bundle.js defines import.meta.url only`);
// Any other import.meta would be an empty object in CommonJS: refused.
const metaWarning = results[0].warnings.find((w) => w.id === 'empty-import-meta');
if (metaWarning) throw new Error(`src/cli/main.ts bundle: ${metaWarning.text} (${metaWarning.location?.file}:${metaWarning.location?.line}); scripts/bundle.js defines import.meta.url, dirname and filename`);
// The build id (last line), then the code cache of a plain run; src/cli/start.cts reads both.
const MAIN = resolve(NEXT, 'main.cjs');
const text = readFileSync(MAIN, 'latin1');
if (!/^[\x00-\x7f]*$/.test(text)) throw new Error('dist/bundle/main.cjs is not ASCII (src/cli/start.cts reads it as latin1)');
const { BUILD_LINE } = createRequire(import.meta.url)(resolve(ROOT, 'dist/cli/start.cjs'));
const buildId = createHash('sha256').update(text).digest('hex').slice(0, 16);
writeFileSync(MAIN, `${text}${text.endsWith('\n') ? '' : '\n'}${BUILD_LINE}${buildId}\n`);
// The Redis backend reads its Lua scripts beside the module that loads them (import.meta.url):
// beside the tsc output, and beside the bundle.
const LUA = resolve(ROOT, 'src/distributed/redis/lua');
cpSync(LUA, resolve(ROOT, 'dist/distributed/redis/lua'), { recursive: true });
cpSync(LUA, resolve(NEXT, 'lua'), { recursive: true });
// bin/dstream.js loads the start-up module from here, so that it is swapped in with the bundle
// (tsc writes dist/cli/start.cjs in place).
cpSync(resolve(ROOT, 'dist/cli/start.cjs'), resolve(NEXT, 'start.cjs'));
try {
  renameSync(OUT, OLD);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
renameSync(NEXT, OUT);
rmSync(OLD, { recursive: true, force: true });
// The code cache is made where the bundle runs from (V8 keeps the file name in it); until then the
// bundle runs without one.
createRequire(import.meta.url)(resolve(OUT, 'start.cjs')).makeCodeCache(OUT);
if (process.argv.includes('--meta')) for (const r of results) console.log(await analyzeMetafile(r.metafile));
