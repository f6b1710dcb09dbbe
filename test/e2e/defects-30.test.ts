/**
 * Regression tests for testers' findings left open after session 29 (keys, stderr lines, flags), each
 * running the real `bin/dstream.js`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseTimes, runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-d30-');

describe('a Set key and an equal array key', () => {
  it('are one key, and stderr says so once, whichever came first', async () => {
    for (const [first, kinds] of [['a', 'came as a Set, then as an array'], ['b', 'came as an array, then as a Set']]) {
      const r = await runCli(['--once', '--map', `l => l === "${first}" ? new Set(["x"]) : ["x"]`, '--count-by-value'], 'a\nb\na\n');
      expect(r.code).toBe(0);
      expect(normaliseTimes(r.stdout)).toBe('-------------------------------------------\nTime: T ms\n-------------------------------------------\n(["x"],3)\n\n');
      expect(r.stderr).toBe(`dstream: --count-by-value: the key ["x"] ${kinds}: both are written ["x"], so they are one key, output as the first (said once)\n`);
    }
  });

  it('--workers 2: said once, from the threads', async () => {
    const file = join(tempDir(), 'ab.txt');
    writeFileSync(file, 'b\na\n'.repeat(100_000));
    const r = await runWithStdinFile(['--once', '--workers', '2', '--map', 'l => l === "a" ? new Set(["x"]) : ["x"]', '--count-by-value'], file);
    expect(r.code).toBe(0);
    expect(normaliseTimes(r.stdout)).toBe('-------------------------------------------\nTime: T ms\n-------------------------------------------\n(["x"],200000)\n\n');
    expect(r.stderr).toBe('dstream: --count-by-value: the key ["x"] came as an array, then as a Set: both are written ["x"], so they are one key, output as the first (said once)\n');
  });

  it('a Map inside a pair\'s key and the array of its entries: said by --update-state-by-key too', async () => {
    const r = await runCli(['--once', '--map', 'l => [[l === "a" ? new Map([["x", 1]]) : [["x", 1]]], 1]', '--update-state-by-key', '(vs, s) => (s ?? 0) + vs.length', '--format', 'json'], 'a\nb\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"time":1000,"key":[[["x",1]]],"value":2}\n');
    expect(r.stderr).toBe('dstream: --update-state-by-key \'(vs, s) => (s ?? 0) + vs.length\': the key [[["x",1]]] came holding a Map, then an array in its place: both are written [[["x",1]]], so they are one key, output as the first (said once)\n');
  });
});

describe('a key whose toJSON throws', () => {
  it('names the throw and its message, not a function left out', async () => {
    const r = await runCli(['--once', '--map', 'l => ({toJSON(){throw new Error("boom")}})', '--count-by-value'], 'a\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe([
      'dstream: output record 1 has a key grouped by its JSON text, which other keys share: its toJSON throws (Error: boom), so JSON cannot write it: its text is that of every such key, so such keys are counted as one (said once)',
      'dstream: 1 output value JSON cannot write (a cycle, a toJSON that throws or returns undefined) written as its text (String(value))',
      '',
    ].join('\n'));
  });
});

describe('--batch-marker with a marker line that looks like a flag', () => {
  const frames = (s: string) => normaliseTimes(s).split('\n').filter((l) => l !== '' && !l.startsWith('---'));

  it('--batch-marker -- and --batch-marker=-- end batches at the line --', async () => {
    for (const args of [['--batch-marker', '--'], ['--batch-marker=--'], ['--batch-marker', '-x']]) {
      const marker = args.length === 2 ? args[1]! : '--';
      const r = await runCli(['--once', ...args, '--count'], `a\nb\n${marker}\nc\n`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(frames(r.stdout)).toEqual(['Time: T ms', '2', 'Time: T ms', '1']);
    }
  });

  it('from a config file or DSTREAM_BATCH_MARKER too', async () => {
    const cfg = join(tempDir(), 'cfg.json');
    writeFileSync(cfg, '{"batch-marker": "--"}');
    for (const r of [await runCli(['--once', '--count', '--config', cfg], 'a\n--\nb\n'), await runCli(['--once', '--count'], 'a\n--\nb\n', { DSTREAM_BATCH_MARKER: '--' })]) {
      expect(r.stderr).toBe('');
      expect(frames(r.stdout)).toEqual(['Time: T ms', '1', 'Time: T ms', '1']);
    }
  });

  it('a flag of dstream after it is a missing value, and the message says how to give such a marker', async () => {
    const r = await runCli(['--once', '--batch-marker', '--count'], 'a\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dstream: --batch-marker needs a value (a marker line that is a flag\'s name is given with =: --batch-marker=--count)\n');
  });
});

describe('--stats: late and skipped are the batch\'s, as in and out; records a --flat-map made said apart', () => {
  const statsTails = (stderr: string) => stderr.split('\n').filter((l) => l.includes(' rec/s · ')).map((l) => l.replace(/^.* · (\d+ in, \d+ out) · .* delay \d+ ms( · [\d,]+ keys)? · /, '$1 · '));

  it('a --map after a --flat-map skips more records than came in: the line says which', async () => {
    const r = await runCli(['--once', '--flat-map', 'l => { if (l.length === 2) throw new Error("x"); return [l, l] }', '--map', 'x => { if (x === "a") throw new Error("y"); return x }', '--stats', '--count'], 'a\nbb\nccc\n');
    expect(r.code).toBe(0);
    expect(statsTails(r.stderr)).toEqual(['3 in, 1 out · 0 late · 3 skipped (2 of them made by --flat-map)']);
  });

  it('each batch says its own skipped records, not the run\'s so far (--progress-json too)', async () => {
    const progress = join(tempDir(), 'progress.jsonl');
    const r = await runCli(['--batch-marker', 'MARK', '--map', 'x => { if (x.length === 1) throw new Error("y"); return x }', '--stats', '--progress-json', progress, '--count'], 'a\nMARK\nbb\nMARK\nc\n');
    expect(r.code).toBe(0);
    expect(statsTails(r.stderr)).toEqual(['1 in, 1 out · 0 late · 1 skipped', '1 in, 1 out · 0 late · 0 skipped', '1 in, 1 out · 0 late · 1 skipped']);
    const json = readFileSync(progress, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { numSkippedRows: number }).numSkippedRows);
    expect(json).toEqual([1, 0, 1]);
  });
});
