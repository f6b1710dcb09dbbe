/**
 * A `--workers` thread compiles the user's functions once for every part it reads
 * (engine/worker-task.ts `PartsReader`, plan/compile-fn.ts `FunctionCache`): a part stolen after
 * its own is combined with the functions already compiled. Seen through functions whose text
 * counts its own evaluations (`globalThis.compiles`), read by a `PartsReader` in a child process
 * whose stdin is the file (the reader reads fd 0), over two segments: the reader reads its own and
 * then steals the rest of the other.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_STEAL_BYTES } from '../../src/engine/segments.js';
import { ROOT } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-parts-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
import { PartsReader } from './dist/engine/worker-task.js';
import { SegmentTable } from './dist/engine/segments.js';
const [size, cut] = process.argv.slice(1).map(Number);
const counted = (text) => '(globalThis.compiles = (globalThis.compiles ?? 0) + 1, ' + text + ')';
const table = SegmentTable.create([[0, cut], [cut, size]]);
const task = {
  start: 0, end: cut, index: 0, segment: 0, segments: table.buffer,
  // reduce-by-key takes pairs: the map gives one.
  prefix: [{ op: 'map', source: counted('l => [l.slice(0, 3), 1]') }, { op: 'filter', source: counted('p => p[0] !== "zzz"') }],
  aggregation: { op: 'reduce-by-key', source: counted('(a, b) => a + b') },
  batchIntervalMs: 1000, paneMs: Number.MAX_SAFE_INTEGER, watermarkDelayMs: 0, maxLineBytes: 1 << 20, onError: 'skip',
};
const reader = new PartsReader(task, table, false);
reader.step();
const results = reader.results();
console.log(JSON.stringify({ parts: results.length, compiles: globalThis.compiles, records: results.reduce((n, r) => n + r.records, 0) }));
`;

describe('--workers: one compile per thread', () => {
  it('a stolen part uses the functions compiled for the first part', () => {
    const lines = 3 * Math.ceil(MIN_STEAL_BYTES / 10);
    const file = join(dir, 'lines.txt');
    writeFileSync(file, Buffer.alloc(10 * lines, 'abcdefghi\n'));
    const size = 10 * lines;
    const cut = 10 * Math.floor(lines / 3); // the other segment has 2/3 of the file: enough to steal from
    const fd = openSync(file, 'r');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, String(size), String(cut)], { cwd: ROOT, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { parts: number; compiles: number; records: number };
    expect(out.parts).toBeGreaterThanOrEqual(2);
    expect(out.compiles).toBe(3); // the map, the filter and the reduce function, once each
    expect(out.records).toBeGreaterThan(lines / 2); // its own third and half of the other segment's rest
  });
});
