/**
 * Start-up (src/cli/start.cts, built to dist/cli/start.cjs): the bundle runs with the V8 code cache
 * the build made for it, only that one (build id, path), and without one just as well; the plain
 * path of the real CLI loads none of the optional modules. Each load runs in a child process (V8
 * also caches compilations within a process).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { startCli } from '../helpers/live-cli.js';
import { BIN, ROOT } from '../helpers/run-cli.js';

// The built module (vitest does not compile .cts sources).
const START = join(ROOT, 'dist/cli/start.cjs');
const { buildIdOf } = createRequire(import.meta.url)(START) as typeof import('../../src/cli/start.cjs');
const ID = '0123456789abcdef';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory holding a small bundle `main.cjs` whose `main` prints where its code runs from. */
function fakeBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-start-'));
  dirs.push(dir);
  const body = `exports.main = async (argv) => {
  const where = () => new Error('x').stack.split('\\n')[1].trim();
  process.stdout.write(JSON.stringify({ argv, file: __filename, where: where() }));
};\n`;
  writeFileSync(join(dir, 'main.cjs'), `${body}// dstream-build ${ID}\n`);
  return dir;
}

/** Loads the bundle in `dir` in a child process (`produce`: and writes its code cache at exit). */
function load(dir: string, produce = false): { codeCache: string; out: { argv: string[]; file: string; where: string } } {
  const code = `const r = require(${JSON.stringify(START)}).loadBundle(${JSON.stringify(dir)}, { produceCodeCache: ${produce} });
process.stderr.write(r.codeCache); r.cli.main(['a', 'b']);`;
  const run = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return { codeCache: run.stderr, out: JSON.parse(run.stdout) };
}

describe('buildIdOf', () => {
  it('reads the id of the last line; none without one or with another last line', () => {
    expect(buildIdOf(`x\n// dstream-build ${ID}\n`)).toBe(ID);
    expect(buildIdOf('x\n')).toBeUndefined();
    expect(buildIdOf('x\n// dstream-build not-hex\n')).toBeUndefined();
  });
});

describe('loadBundle', () => {
  it('uses the code cache made for the bundle; without one the bundle runs the same', () => {
    const dir = fakeBundle();
    const first = load(dir, true);
    expect(first.codeCache).toBe('none');
    const cache = `main.${ID}.v8`;
    expect(readdirSync(dir).sort()).toEqual([cache, 'main.cjs']);
    expect(readFileSync(join(dir, cache)).toString('latin1').split('\n')[0]).toBe(join(dir, 'main.cjs'));
    const second = load(dir);
    expect(second.codeCache).toBe('used');
    expect(second.out).toEqual(first.out);
    expect(second.out.argv).toEqual(['a', 'b']);
    expect(second.out.where).toContain(join(dir, 'main.cjs'));
  });

  it('a bundle moved elsewhere runs without the cache (V8 would keep the old path in stack traces)', () => {
    const dir = fakeBundle();
    load(dir, true);
    const moved = mkdtempSync(join(tmpdir(), 'dstream-start-moved-'));
    dirs.push(moved);
    cpSync(dir, moved, { recursive: true });
    const r = load(moved);
    expect(r.codeCache).toBe('none');
    expect(r.out.file).toBe(join(moved, 'main.cjs'));
    expect(r.out.where).toContain(join(moved, 'main.cjs'));
  });

  it('a cache damaged inside V8\'s data (which V8 does not check) is not used: its checksum differs', () => {
    const dir = fakeBundle();
    const made = load(dir, true).out;
    const cacheFile = join(dir, `main.${ID}.v8`);
    const data = readFileSync(cacheFile);
    const lines = data.toString('latin1').split('\n');
    expect(lines[0]).toBe(join(dir, 'main.cjs'));
    expect(lines[1]).toMatch(/^[0-9a-f]{8}$/);
    const at = Math.floor(data.length / 2);
    for (let i = at; i < Math.min(data.length, at + 400); i++) data[i] = data[i]! ^ 0xa5;
    writeFileSync(cacheFile, data);
    const r = load(dir);
    expect(r.codeCache).toBe('rejected');
    expect(r.out).toEqual(made);
  });

  it("another build's cache is not used; a damaged cache is refused and the bundle still runs", () => {
    const dir = fakeBundle();
    const made = load(dir, true).out;
    const cacheFile = join(dir, `main.${ID}.v8`);
    const data = readFileSync(cacheFile);
    // Another build: same text, another id.
    const text = readFileSync(join(dir, 'main.cjs'), 'latin1');
    writeFileSync(join(dir, 'main.cjs'), text.replace(ID, 'fedcba9876543210'));
    expect(load(dir).codeCache).toBe('none');
    writeFileSync(join(dir, 'main.cjs'), text);
    // Damaged: the bytes after the two header lines (path, checksum) overwritten.
    const nl = data.indexOf(10, data.indexOf(10) + 1);
    for (let i = nl + 1; i < data.length; i++) data[i] = (data[i]! * 31 + 7) & 0xff;
    writeFileSync(cacheFile, data);
    const r = load(dir);
    expect(r.codeCache).toBe('rejected');
    expect(r.out).toEqual(made);
  });
});

describe('the built CLI', () => {
  it('runs with the code cache the build made (dist/bundle/main.<id>.v8)', () => {
    const r = spawnSync(process.execPath, ['-e', `const r = require(${JSON.stringify(START)}).loadBundle(${JSON.stringify(join(ROOT, 'dist/bundle'))}); process.stdout.write(r.codeCache);`], { encoding: 'utf8' });
    expect(r.stdout).toBe('used');
    const id = buildIdOf(readFileSync(join(ROOT, 'dist/bundle/main.cjs'), 'latin1'));
    expect(readdirSync(join(ROOT, 'dist/bundle'))).toContain(`main.${id}.v8`);
  });

  /** The built-in modules Node loaded for `dstream --count` with stdin `stdin` ('pipe': a pipe, else this file). */
  function modulesLoaded(stdin: 'pipe' | string): Set<string> {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-start-mods-'));
    dirs.push(dir);
    const list = join(dir, 'modules.txt');
    // A preloaded script writes the built-in modules Node loaded, at exit.
    writeFileSync(join(dir, 'list.cjs'), `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`);
    const fd = stdin === 'pipe' ? 'pipe' : openSync(stdin, 'r');
    const r = spawnSync(process.execPath, ['-r', join(dir, 'list.cjs'), BIN, '--count'], {
      input: stdin === 'pipe' ? 'x\n' : undefined, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' },
    });
    if (typeof fd === 'number') closeSync(fd);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe('1');
    const loaded = new Set(readFileSync(list, 'utf8').split('\n'));
    expect(loaded.has('NativeModule vm')).toBe(true); // the list is the real one
    return loaded;
  }
  const UNWANTED = ['tty', 'crypto', 'readline', 'assert', 'zlib', 'http', 'tls', 'dns', 'worker_threads', 'child_process', 'cluster', 'v8', 'internal/modules/esm/module_job'];

  it('`echo x | dstream --count` loads no optional module: no chalk (node:tty), crypto, ora (readline), yargs (assert), clients, threads, ESM loader', () => {
    const loaded = modulesLoaded('pipe');
    expect(UNWANTED.map((m) => `NativeModule ${m}`).filter((m) => loaded.has(m))).toEqual([]);
  });

  it('`dstream --count < file` makes no process.stdin either (an fs.ReadStream: fs/promises, readline)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-start-file-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'in.txt'), 'x\n');
    const loaded = modulesLoaded(join(dir, 'in.txt'));
    expect([...UNWANTED, 'internal/fs/streams', 'internal/fs/promises'].map((m) => `NativeModule ${m}`).filter((m) => loaded.has(m))).toEqual([]);
  });

  it('is strict code, as the ES modules it was made of, and has no import() left (vm.Script has no import() that works with a code cache)', () => {
    const text = readFileSync(join(ROOT, 'dist/bundle/main.cjs'), 'latin1');
    expect(text.startsWith("'use strict';")).toBe(true);
    expect(text).not.toMatch(/\bimport\(/);
  });

  it('--kafka loads the client and its mnemonist (the path with the bundle\'s one external import) up to connecting', async () => {
    const cli = startCli(['--kafka', '127.0.0.1:1', '--topic', 't', '--once', '--count']);
    try {
      cli.child.stdin.end();
      await Promise.race([cli.until(() => /kafka: connecting/.test(cli.err())), cli.exited]);
      expect(cli.err()).not.toMatch(/internal error/);
      expect(cli.err()).toMatch(/dstream: kafka: connecting: Cannot connect to any broker/);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
