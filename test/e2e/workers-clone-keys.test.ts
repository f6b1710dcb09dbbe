/**
 * `--workers`: keys and partials cross threads by structured clone, which changes some of them (a
 * URL becomes `{}`, a class instance loses its toJSON, a Buffer becomes a Uint8Array) and cannot
 * clone others (a function inside a key, a symbol): the file is then read in one thread, so the
 * answer is one thread's (auto silently; `--workers N` says why). Also as one thread: a byte order
 * mark where stdin starts for dstream (after a header line read by the shell) is dropped, and an
 * invalid function is the usage error of one thread. Real data: the bundled access log.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-clone-keys-'));
const LOG = join(ROOT, 'data/elastic-examples/apache_logs');
const BIG = join(dir, 'access8.log');
const twoCores = cpus().length >= 2;

beforeAll(() => writeFileSync(BIG, readFileSync(LOG, 'utf8').repeat(8)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS: [string, string][] = [
  ['a URL', 'l => new URL("http://h/" + field(l, 9))'],
  ['a class instance with toJSON', 'l => { globalThis.K ??= class K { constructor(s) { this.s = s } toJSON() { return "status " + this.s } }; return new K(field(l, 9)) }'],
  ['a Buffer', 'l => Buffer.from(field(l, 9))'],
  ['an object with a function inside (cannot be cloned)', 'l => l.length % 3 ? { x: field(l, 9) } : { x: field(l, 9), f() { return 1 } }'],
  ['a symbol (cannot be cloned)', 'l => l.length % 3 ? Symbol.for("a") : field(l, 9)'],
];

describe('--workers: keys a thread cannot pass on as they are', () => {
  it.each(KEYS)('%s: --workers 2 prints what one thread prints, and says why it read the file in one thread', async (_name, fn) => {
    const args = ['--map', fn, '--count-by-value', '--format', 'tsv'];
    const one = await runWithStdinFile([...args, '--workers', '1'], LOG);
    const two = await runWithStdinFile([...args, '--workers', '2'], LOG);
    expect(one.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(two.code).toBe(0);
    expect(two.stderr).toMatch(/^dstream: note: --workers 2: a key or partial is of type \S+, which a thread cannot pass on as it is: the file is read in one thread\n/);
    expect(two.stderr.replace(/^dstream: note: --workers 2: .*\n/m, '')).toBe(one.stderr);
  });

  it.skipIf(!twoCores)('auto on a big file: the same output, stderr and exit code as one thread', async () => {
    const args = ['--map', KEYS[0]![1], '--count-by-value', '--top', '3', '--format', 'tsv'];
    const one = await runWithStdinFile([...args, '--workers', '1'], BIG);
    const auto = await runWithStdinFile(args, BIG);
    expect(one.stdout).toBe('"http://h/200"\t73008\n"http://h/304"\t3560\n"http://h/404"\t1704\n');
    expect(auto).toEqual(one);
  });
});

describe('--workers: as one thread', () => {
  it('a byte order mark where stdin starts for dstream (after a header line) is dropped', async () => {
    const file = join(dir, 'bom-after-header.txt');
    writeFileSync(file, Buffer.concat([Buffer.from('header\n'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\nb\n')]));
    const args = ['--map', 'l => JSON.stringify(l)', '--count-by-value', '--format', 'tsv'];
    const one = await runWithStdinFile([...args, '--workers', '1'], file, {}, 7);
    const two = await runWithStdinFile([...args, '--workers', '2'], file, {}, 7);
    expect(one.stdout).toBe('"a"\t1\n"b"\t1\n');
    expect(two).toEqual(one);
  });

  it.skipIf(!twoCores)('an invalid function: one thread\'s usage error (exit 2), not a thread\'s', async () => {
    const args = ['--map', 'l => field(l, 9', '--count-by-value'];
    const one = await runWithStdinFile([...args, '--workers', '1'], BIG);
    const auto = await runWithStdinFile(args, BIG);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/^dstream: --map: syntax error at column 15/);
    expect(auto).toEqual(one);
  });
});
