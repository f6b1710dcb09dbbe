/**
 * Start-up of the `dstream` command (bin/dstream.js calls `start`): runs the bundled CLI,
 * `dist/bundle/main.cjs`, one CommonJS file made by scripts/bundle.js, with V8's code cache.
 *
 * Compiling the bundle is most of the start-up cost that is dstream's own. The build runs
 * `echo x | dstream --count` once and stores what V8 compiled for it (`Script#createCachedData`)
 * beside the bundle, as `main.<build id>.v8`; the build id is the last line of main.cjs
 * (`// dstream-build <id>`, a hash of the bundle's text), so a cache is only ever paired with
 * the bundle it was made from. A cache also holds the bundle's path (its first line): V8 keeps the
 * file name it was compiled under (in stack traces), so a bundle moved elsewhere (e.g. installed
 * from a package) runs without it. V8 itself refuses a cache made by another V8 version or with
 * other flags (`cachedDataRejected`), and dstream does not hand it a damaged one (the
 * checksum in its second line differs: V8 does not check the data itself). In all these cases the bundle is compiled from its text, as
 * without a cache: slower (about 30 % more CPU time at start-up), never different.
 *
 * CommonJS, not ESM: this file and the bundle's `require()` of Node built-ins cost less than ESM's
 * resolution and built-in facades (which load every lazy part of node:fs), and `vm.Script` (which
 * takes a code cache) runs a CommonJS body. The bundle has no `import()`: a script compiled with a
 * code cache loses its dynamic-import callback.
 */
import { fstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { Worker } from 'node:worker_threads';

/** The bundled CLI's exports (src/cli/main.ts). */
interface CliBundle {
  main(argv: string[], startup?: { spareThread?: () => Worker | undefined }): Promise<void>;
}

/**
 * Catches stop signals (SIGINT, SIGTERM) from the process's start until the CLI installs its own
 * handlers (loading and compiling the bundle, reading the flags: up to a few hundred ms on a loaded
 * machine). Without a handler Node dies of the signal: no exit code, nothing flushed.
 *
 * The first handler anyone else adds for either signal (process-io.ts `onStopSignals`, the Kafka
 * worker's) takes over: these are removed right after it is added (a signal is never left without
 * a handler), and a signal they kept is emitted again once the current start-up code has run, so
 * the CLI handles it as one that came just then (core/stop-signals.ts: a first one stops
 * gracefully). A kept signal is said on stderr at once. A second SIGINT before the take-over exits
 * 130 at once, as a second SIGINT does later. (A `dstream` job adds its handlers before its first
 * wait, so its signals reach them directly; the others add theirs after waiting for a broker.)
 * @returns for tests: `kept()`, the number of signals kept so far, and `remove()`, which removes
 *   these handlers (taking over needs no call).
 */
export function catchEarlySignals(): { kept(): number; remove(): void } {
  const kept: NodeJS.Signals[] = [];
  const on = (sig: NodeJS.Signals): void => {
    if (sig === 'SIGINT' && kept.length > 0) {
      process.stderr.write('dstream: SIGINT again: aborting\n');
      process.exit(130);
    }
    // Said at once: a command that never adds handlers (waiting for a broker, say) would leave it unanswered.
    process.stderr.write(`dstream: ${sig} while starting up: handled once start-up is done (${sig === 'SIGINT' ? 'again' : 'SIGINT'} to abort)\n`);
    kept.push(sig);
  };
  const remove = (): void => {
    process.removeListener('SIGINT', on);
    process.removeListener('SIGTERM', on);
    process.removeListener('newListener', handOver);
  };
  function handOver(event: string | symbol): void {
    if (event !== 'SIGINT' && event !== 'SIGTERM') return;
    process.removeListener('newListener', handOver);
    // After the new listener is in place (newListener comes before), so the signal keeps a handler.
    process.nextTick(() => {
      remove();
      const again = kept.splice(0);
      if (again.length > 0) setImmediate(() => again.forEach((sig) => process.emit(sig, sig)));
    });
  }
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  process.on('newListener', handOver);
  return { kept: () => kept.length, remove };
}

/** The last line of a bundle made by scripts/bundle.js: `// dstream-build <id>`. */
export const BUILD_LINE = '// dstream-build ';

/** What `loadBundle` did with the code cache: compiled with it, or from the text (no cache that fits, or V8 refused it). */
export type CodeCacheUse = 'used' | 'none' | 'rejected';

/** Name of the code cache of the bundle with build id `id`, beside it. */
export function codeCacheName(id: string): string {
  return `main.${id}.v8`;
}

/** The build id in the last line of the bundle's text, or undefined if it has none. */
export function buildIdOf(source: string): string | undefined {
  const at = source.lastIndexOf(`\n${BUILD_LINE}`);
  if (at < 0) return undefined;
  const id = source.slice(at + 1 + BUILD_LINE.length).trim();
  return /^[0-9a-f]{8,64}$/.test(id) ? id : undefined;
}

/**
 * Loads `<bundleDir>/main.cjs` (with its code cache when there is one that fits) and returns
 * its exports (`cli`). With `produceCodeCache`, the code cache is (re)written when the process exits,
 * holding what V8 compiled by then (scripts/bundle.js does this once per build, where the bundle
 * will run: the cache holds its path). Throws only when the bundle cannot be read or run.
 */
export function loadBundle(bundleDir: string, options: { produceCodeCache?: boolean } = {}): { cli: CliBundle; codeCache: CodeCacheUse } {
  const file = join(bundleDir, 'main.cjs');
  // The bundle is ASCII (scripts/bundle.js checks): read as latin1, no UTF-8 decoding.
  const source = readFileSync(file, 'latin1');
  const id = buildIdOf(source);
  const cacheFile = id === undefined ? undefined : join(bundleDir, codeCacheName(id));
  let cachedData: Buffer | undefined;
  let damaged = false;
  if (cacheFile !== undefined && !options.produceCodeCache) {
    try {
      // Two header lines, the bundle's path and the checksum of what follows, then V8's data.
      const data = readFileSync(cacheFile);
      const nl = data.indexOf(10);
      const nl2 = nl > 0 ? data.indexOf(10, nl + 1) : -1;
      if (nl2 > 0 && data.toString('utf8', 0, nl) === file) {
        const payload = data.subarray(nl2 + 1);
        // V8 (Node 20) does not check the data itself: a damaged cache can end the process in a
        // V8 fatal error, so a cache whose checksum differs is not handed to it.
        if (data.toString('latin1', nl + 1, nl2) === checksum(payload)) cachedData = payload;
        else damaged = true;
      }
    } catch {
      // no cache (or not readable): compile from the text
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    // No importModuleDynamically: the bundle has no import() (scripts/bundle.js makes them require()).
  });
  if (options.produceCodeCache && cacheFile !== undefined) {
    process.once('exit', () => {
      const next = `${cacheFile}.${process.pid}`;
      const payload = script.createCachedData();
      writeFileSync(next, Buffer.concat([Buffer.from(`${file}\n${checksum(payload)}\n`), payload]));
      renameSync(next, cacheFile);
    });
  }
  const mod = { exports: {} as CliBundle };
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, bundleDir);
  return { cli: mod.exports, codeCache: damaged ? 'rejected' : cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used' };
}

/**
 * A 32-bit FNV-1a-style checksum of `b` (8 hex digits), read a 32-bit word at a time: about 2 ms for
 * the 0.5 MB cache at start-up, where node:crypto or node:zlib would cost more to load.
 */
export function checksum(data: Uint8Array): string {
  const b = data.byteOffset % 4 === 0 ? data : new Uint8Array(data); // words from the first byte, wherever it sits
  let h = 0x811c9dc5 ^ b.length;
  const n = b.length >> 2;
  const words = new Int32Array(b.buffer, b.byteOffset, n);
  for (let k = 0; k < n; k++) h = Math.imul(h ^ words[k]!, 0x01000193);
  for (let i = n << 2; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Makes the code cache of the bundle in `bundleDir` where it is (the build does, and so does
 * bench/run.js for its copy): runs `echo x | dstream --count` on it in a child process that writes
 * the cache at exit. Returns the cache's file name.
 * @throws Error when the bundle has no build id, or the run fails or writes no cache.
 */
export function makeCodeCache(bundleDir: string): string {
  const id = buildIdOf(readFileSync(join(bundleDir, 'main.cjs'), 'latin1'));
  if (id === undefined) throw new Error(`${join(bundleDir, 'main.cjs')} has no build id (last line ${BUILD_LINE}…)`);
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const code = `require(${JSON.stringify(__filename)}).loadBundle(${JSON.stringify(bundleDir)}, { produceCodeCache: true }).cli.main(['--count'])`;
  // Without DSTREAM_* settings (they could change the output) and NODE_OPTIONS (V8 refuses a cache
  // made under other flags: the cache is for a plain `dstream`).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSTREAM_') && k !== 'NODE_OPTIONS'));
  const run = spawnSync(process.execPath, ['-e', code], { input: 'x\n', encoding: 'utf8', env });
  const name = codeCacheName(id);
  let made = false;
  try {
    made = readFileSync(join(bundleDir, name)).length > 0;
  } catch {
    // not written
  }
  // stdin is a pipe, so batches are cut by the clock: on a loaded machine the end of input can fall in a
  // later batch than the line, whose frame then counts 0 after the one counting 1.
  if (run.status !== 0 || !/^1$/m.test(run.stdout) || !made) {
    throw new Error(`the bundle in ${bundleDir} did not run \`echo x | dstream --count\` (exit ${run.status}): ${run.stderr}`);
  }
  return name;
}

/** The bundle: dist/bundle/ (this file is dist/cli/start.cjs, copied to dist/bundle/start.cjs by the build). */
export const BUNDLE_DIR = join(__dirname, '..', 'bundle');

/**
 * Bytes of stdin from which a spare thread is started: `--workers auto` starts threads from 2 × 8 MiB
 * of input (cli/workers-auto.ts `AUTO_MIN_BYTES_PER_THREAD`).
 */
export const SPARE_MIN_BYTES = 16 * 1024 * 1024;

/**
 * Flags of jobs that always run in one thread and are common on big files (a `--once --checkpoint`
 * run over a log from cron, a distributed worker): no spare thread for them. Only a quick guess: the
 * job's own decision is cli/workers-auto.ts `autoThreads`.
 */
const ONE_THREAD_FLAGS = ['--checkpoint', '--distributed'];

/**
 * A `--workers` thread started before the CLI is loaded, so that it boots (about 50 ms: a Node
 * environment and the worker bundle) while the main thread loads the CLI and reads the flags, and
 * starts reading its part of stdin when the main thread starts its own. Started only where threads
 * are likely: a job (not a subcommand) without `--workers 1` or `ONE_THREAD_FLAGS`, stdin a regular file of at least
 * `SPARE_MIN_BYTES`, two cores or more. The thread runs dist/bundle/worker-entry.cjs with no task and
 * waits for one (engine/worker-entry.ts); it does not keep the process alive until taken. A job
 * that runs in one thread after all ends it (cli/compose.ts); a wrong guess costs its start-up, on
 * another core.
 * @returns `take()`: the thread, once (undefined if none was started, it failed, or it was taken)
 */
export function spareThread(argv: readonly string[], bundleDir = BUNDLE_DIR): () => Worker | undefined {
  let worker: Worker | undefined;
  const i = argv.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  const one = (i >= 0 && (argv[i] === '--workers' ? argv[i + 1] : argv[i]!.slice('--workers='.length)) === '1')
    || argv.some((a) => ONE_THREAD_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
  if (argv.length > 0 && argv[0]!.startsWith('-') && !one) {
    let size = 0;
    try {
      const st = fstatSync(0);
      size = st.isFile() ? st.size : 0;
    } catch {
      // no stdin
    }
    const { availableParallelism } = require('node:os') as typeof import('node:os');
    if (size >= SPARE_MIN_BYTES && availableParallelism() >= 2) {
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
      const w = (worker = new Worker(join(bundleDir, 'worker-entry.cjs'), { workerData: { spare: true } }));
      w.unref();
      // A spare that failed or ended is not handed out (one taken reports its errors to its taker).
      w.once('error', () => (worker === w ? (worker = undefined) : undefined));
      w.once('exit', () => (worker === w ? (worker = undefined) : undefined));
    }
  }
  return () => {
    const w = worker;
    worker = undefined;
    w?.ref();
    return w;
  };
}

/** Runs the CLI with `argv` (without `node` and the script) from the bundle in `bundleDir`; stop signals are caught from here on. */
export function start(argv: string[], bundleDir = BUNDLE_DIR): Promise<void> {
  catchEarlySignals();
  const spare = spareThread(argv, bundleDir);
  return loadBundle(bundleDir).cli.main(argv, { spareThread: spare });
}
