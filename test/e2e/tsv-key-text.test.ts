/**
 * tsv/csv keys whose text reads as JSON (`200`, `true`): the state file that `--format tsv` writes, read back with
 * `--initial-state`, continues the same keys; and keys written as the same text (1 and "1", true and "true") are
 * said once on stderr, as null and "null" are. Each test runs the real `bin/dstream.js`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, type RunResult } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-tsvkey-');
const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;
const STATUS = 'l => [l.split(" ")[8], 1]';
const COUNT = '(vs, s) => (s ?? 0) + vs.length';

describe('--initial-state FILE.tsv: a string key of the run finds the loaded key of the same text', () => {
  it.skipIf(!existsSync(APACHE))('two runs over apache_logs (3 lines, then 3) count as one run over the 6 lines', async () => {
    const lines = readFileSync(APACHE, 'utf8').split('\n');
    const file = join(tempDir(), 'state.tsv');
    const first = await runCli(['--once', '--map', STATUS, '--update-state-by-key', COUNT, '--format', 'tsv'], lines.slice(0, 3).join('\n') + '\n');
    expect(first.code).toBe(0);
    writeFileSync(file, first.stdout);
    const second = await runCli(['--once', '--initial-state', file, '--map', STATUS, '--update-state-by-key', COUNT, '--format', 'tsv'], lines.slice(3, 6).join('\n') + '\n');
    const once = await runCli(['--once', '--map', STATUS, '--update-state-by-key', COUNT, '--format', 'tsv'], lines.slice(0, 6).join('\n') + '\n');
    expect(second.stdout).toBe(once.stdout);
    expect(second.stdout).toBe('200\t6\n');
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
  });

  it('numbers and booleans: loaded keys not seen in the run stay; --map-with-state too', async () => {
    const file = join(tempDir(), 'state.tsv');
    writeFileSync(file, '200\t3\n404\t1\ntrue\t2\nabc\t5\n');
    const r = await runCli(['--once', '--initial-state', file, '--map', 'l => [l, 1]', '--update-state-by-key', COUNT, '--format', 'tsv'], '200\ntrue\n500\nabc\n');
    expect(r.stdout).toBe('404\t1\n200\t4\n500\t1\nabc\t6\ntrue\t3\n');
    expect(r.stderr).toBe('');
    const m = await runCli(['--once', '--initial-state', file, '--map', 'l => [l, 1]', '--map-with-state', '(k, v, st) => { st.update((st.get() ?? 0) + v); return [k, st.get()] }', '--format', 'tsv'], '200\n200\n');
    expect(m.stdout).toBe('200\t4\n200\t5\n');
  });

  it('a key of the run that is the number finds it as before; JSON lines keep 200 and "200" apart', async () => {
    const tsv = join(tempDir(), 'state.tsv');
    writeFileSync(tsv, '200\t3\n');
    const n = await runCli(['--once', '--initial-state', tsv, '--map', 'l => [Number(l), 1]', '--update-state-by-key', COUNT, '--format', 'tsv'], '200\n');
    expect(n.stdout).toBe('200\t4\n');
    const json = join(tempDir(), 'state.json');
    writeFileSync(json, '{"key":200,"state":3}\n');
    const j = await runCli(['--once', '--initial-state', json, '--map', 'l => [l, 1]', '--update-state-by-key', COUNT, '--format', 'json'], '200\n');
    expect(j.stdout).toBe('{"time":1000,"key":200,"value":3}\n{"time":1000,"key":"200","value":1}\n');
  });
});

describe('tsv/csv: keys written as the same text (1 and "1", true and "true") are said once', () => {
  const keys = (fn: string, format: string, input: string) => runCli(['--once', '--map', fn, '--reduce-by-key', 'sum', '--format', format], input);

  it('1 and "1"', async () => {
    for (const format of ['tsv', 'csv']) {
      const r = await keys('x => x === "a" ? [1, 1] : ["1", 1]', format, 'a\nb\na\nb\n');
      expect(r.stdout).toBe(format === 'tsv' ? '1\t2\n1\t2\n' : '1,2\n1,2\n');
      expect(r.stderr).toBe(`dstream: --format ${format}: output record 2 has the key "1", an earlier record the key 1: both are written as 1, so they read back as one key (said once)\n`);
    }
    expect((await keys('x => x === "a" ? [1, 1] : ["1", 1]', 'json', 'a\nb\n')).stderr).toBe('');
  });

  it('true and "true", said once however many such pairs', async () => {
    const r = await keys('x => x === "a" ? [true, 1] : x === "b" ? ["true", 1] : x === "c" ? [false, 1] : ["false", 1]', 'tsv', 'a\nb\nc\nd\n');
    expect(r.stdout).toBe('true\t1\ntrue\t1\nfalse\t1\nfalse\t1\n');
    expect(r.stderr).toBe('dstream: --format tsv: output record 2 has the key "true", an earlier record the key true: both are written as true, so they read back as one key (said once)\n');
  });

  it('plain keys, or only numbers, or only numeric strings, say nothing', async () => {
    expect((await keys('x => [x, 1]', 'tsv', '1\n2\nx\n')).stderr).toBe('');
    expect((await keys('x => [Number(x), 1]', 'tsv', '1\n2\n')).stderr).toBe('');
  });
});

/** Runs `map` + update-state-by-key over `input` with --format tsv, then again from that output as --initial-state. */
async function twoRuns(map: string, input: string, secondInput = input): Promise<{ first: string; second: RunResult }> {
  const run = (extra: string[], text: string) => runCli(['--once', ...extra, '--map', map, '--update-state-by-key', COUNT, '--format', 'tsv'], text);
  const first = await run([], input);
  const file = join(tempDir(), 'state.tsv');
  writeFileSync(file, first.stdout);
  return { first: first.stdout, second: await run(['--initial-state', file], secondInput) };
}

describe('--initial-state FILE.tsv: keys whose text reads as JSON but not as a number or boolean', () => {
  it('object keys: the tsv that --format tsv wrote is read back (it was "not valid JSON", exit 2)', async () => {
    const { first, second } = await twoRuns('l => [{k: l}, 1]', 'x\ny\nx\n');
    expect(first).toBe('{"k":"x"}\t2\n{"k":"y"}\t1\n');
    expect([second.code, second.stdout, second.stderr]).toEqual([0, '{"k":"x"}\t4\n{"k":"y"}\t2\n', '']);
  });

  it('string keys [1], 1e3, -0 are continued, not turned into other keys; unmet ones keep their text', async () => {
    const { first, second } = await twoRuns('l => [l, 1]', '[1]\n1e3\n-0\n');
    expect(first).toBe('-0\t1\n1e3\t1\n[1]\t1\n');
    expect([second.code, second.stdout, second.stderr]).toEqual([0, '-0\t2\n1e3\t2\n[1]\t2\n', '']);
    const unmet = await twoRuns('l => [l, 1]', '[1]\n1e3\n-0\n', 'a\n');
    expect([unmet.second.code, unmet.second.stdout, unmet.second.stderr]).toEqual([0, '-0\t1\n1e3\t1\n[1]\t1\na\t1\n', '']);
  });

  it("an array key loaded from tsv is continued by the run's array key of that text, and by a string of it", async () => {
    const file = join(tempDir(), 'arrays.tsv');
    writeFileSync(file, '[1,"a"]\t3\n');
    for (const map of ['l => [JSON.parse(l), 1]', 'l => [l, 1]']) {
      const r = await runCli(['--once', '--initial-state', file, '--map', map, '--update-state-by-key', COUNT, '--format', 'tsv'], '[1,"a"]\n');
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '[1,"a"]\t4\n', '']);
    }
  });
});
