/**
 * Regression tests for small defects found in session 28, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-d29-');

describe('--update-state-by-key: a throwing function skips the input lines of the failing key', () => {
  const fn = '(vs,s)=>{ if (vs.length) throw new Error("u"); return s }';
  const pairs = ['--batch-marker', 'END', '--map', 'l => [l.split(" ")[0], 1]'];

  it('--dead-letter gets each key\'s own lines, and stderr names them', async () => {
    const dl = join(tempDir(), 'dl');
    const r = await runCli([...pairs, '--update-state-by-key', fn, '--dead-letter', dl, '--format', 'tsv'], 'a 1\nb 2\nEND\nc 3\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(dl, 'utf8')).toBe('a 1\nb 2\nc 3\n');
    const inputs = r.stderr.split('\n').filter((l) => l.includes('skipped record')).map((l) => l.replace(/.*; input /, ''));
    expect(inputs).toEqual(['"a 1"', '"b 2"', '"c 3"']);
    expect(r.stderr).toContain('3 records skipped');
  });

  it('a key with several lines in the batch: every one of them, once each, in input order', async () => {
    const dl = join(tempDir(), 'dl');
    const input = 'a 1\nb 2\na 3\nEND\nb 4\n';
    const throwOnA = '(vs,s)=>{ if (vs.length && vs[0] === "a") throw new Error("u"); return (s ?? 0) + vs.length }';
    const r = await runCli([...pairs.slice(0, 2), '--flat-map', 'l => { const k = l.split(" ")[0]; return [[k, k], [k, k]] }',
      '--update-state-by-key', throwOnA, '--dead-letter', dl, '--format', 'tsv'], input);
    expect(r.code).toBe(0);
    expect(readFileSync(dl, 'utf8')).toBe('a 1\na 3\n');
    expect(r.stdout).toBe('b\t2\nb\t4\n');
    expect(r.stderr).toContain('2 records skipped');
  });

  it('a key with state only (no lines in the batch) has no input line: counted, nothing in --dead-letter', async () => {
    const dl = join(tempDir(), 'dl');
    const failWithout = '(vs,s)=>{ if (!vs.length) throw new Error("idle"); return 1 }';
    const r = await runCli([...pairs, '--update-state-by-key', failWithout, '--dead-letter', dl, '--format', 'tsv'], 'a 1\nEND\nb 2\n');
    expect(r.code).toBe(0);
    expect(readFileSync(dl, 'utf8')).toBe('');
    expect(r.stderr).toMatch(/skipped record: Error: idle; given \["a",\[\]\]\n/);
    expect(r.stderr).toContain('1 record skipped');
  });

  it('without --dead-letter the lines are not held: stderr shows what the function was given, the count is still per line', async () => {
    const r = await runCli([...pairs, '--update-state-by-key', fn, '--format', 'tsv'], 'a 1\na 2\nb 3\n');
    expect(r.code).toBe(0);
    const shown = r.stderr.split('\n').filter((l) => l.includes('skipped record')).map((l) => l.replace(/.*: skipped record: /, ''));
    expect(shown).toEqual(['Error: u; given ["a",[1,1]]', 'Error: u; given ["a",[1,1]]', 'Error: u; given ["b",[1]]']);
    expect(r.stderr).toContain('3 records skipped');
  });

  it('--on-error fail names the first input line with --dead-letter, what the function was given without', async () => {
    const dl = join(tempDir(), 'dl');
    const kept = await runCli([...pairs, '--update-state-by-key', fn, '--on-error', 'fail', '--dead-letter', dl], 'a 1\na 2\n');
    expect(kept.code).toBe(1);
    expect(kept.stderr).toContain(`failed on input "a 1": Error: u`);
    const given = await runCli([...pairs, '--update-state-by-key', fn, '--on-error', 'fail'], 'a 1\na 2\n');
    expect(given.code).toBe(1);
    expect(given.stderr).toContain(`failed on input ["a",[1,1]]: Error: u`);
  });
});

describe('--map-with-state: a throwing function skips the record\'s own line (it is called per record)', () => {
  it('--dead-letter gets a 1, b 2, c 3 across batches', async () => {
    const dl = join(tempDir(), 'dl');
    const r = await runCli(['--batch-marker', 'END', '--map', 'l => [l.split(" ")[0], 1]', '--map-with-state', '(k, v, st) => { throw new Error("u") }',
      '--dead-letter', dl, '--format', 'tsv'], 'a 1\nb 2\nEND\nc 3\n');
    expect(r.code).toBe(0);
    expect(readFileSync(dl, 'utf8')).toBe('a 1\nb 2\nc 3\n');
    expect(r.stderr).toContain('3 records skipped');
  });
});

describe('a Set or Map value is written as a JSON array in every --format, not as {}', () => {
  const users = ['--map', 'l => l.split(" ")', '--update-state-by-key', '(vs, s) => { s ??= new Set(); for (const v of vs) s.add(v); return s }'];
  const input = 'a u1\nb u2\na u3\na u1\n';

  it('a Set of state: json, tsv, csv and text', async () => {
    const json = await runCli(['--once', ...users, '--format', 'json'], input);
    expect(json.stderr).toBe('');
    expect(json.stdout).toBe('{"time":1000,"key":"a","value":["u1","u3"]}\n{"time":1000,"key":"b","value":["u2"]}\n');
    const tsv = await runCli(['--once', ...users, '--format', 'tsv'], input);
    expect(tsv.stdout).toBe('a\t["u1","u3"]\nb\t["u2"]\n');
    const csv = await runCli(['--once', ...users, '--format', 'csv', '--header'], input);
    expect(csv.stdout).toBe('key,value\na,"[""u1"",""u3""]"\nb,"[""u2""]"\n');
    const text = await runCli(['--once', ...users], input);
    expect(text.stdout).toBe('-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n(a,["u1","u3"])\n(b,["u2"])\n\n');
  });

  it('a Map is the array of its [key, value] entries, keys of any type kept apart, nested ones too, BigInts exact', async () => {
    const fn = 'l => ({ m: new Map([["1", 1], [1, new Set([12345678901234567890n])], [{ k: 2 }, new Map()]]), e: {} })';
    const want = '{"m":[["1",1],[1,[12345678901234567890]],[{"k":2},[]]],"e":{}}';
    const json = await runCli(['--once', '--map', fn, '--format', 'json'], 'x\n');
    expect(json.stdout).toBe(`{"time":1000,"value":${want}}\n`);
    const tsv = await runCli(['--once', '--map', fn, '--format', 'tsv'], 'x\n');
    expect(tsv.stdout).toBe(`${want}\n`);
    const csv = await runCli(['--once', '--map', fn, '--format', 'csv'], 'x\n');
    expect(csv.stdout).toBe(`"${want.replace(/"/g, '""')}"\n`);
    const text = await runCli(['--once', '--map', 'l => new Map([[l, new Set([l])]])'], 'x\n');
    expect(text.stdout).toContain('\n[["x",["x"]]]\n');
  });
});

describe('tsv/csv: the key undefined and the key "" are one empty field: said once when both are output', () => {
  const keys = ['--once', '--map', 'l => [l === "u" ? undefined : l, 1]', '--reduce-by-key', 'sum'];

  it('tsv and csv say it once, after the second of the two, whichever comes first', async () => {
    const tsv = await runCli([...keys, '--format', 'tsv'], 'a\n\nu\n\nu\n');
    expect(tsv.stdout).toBe('a\t1\n\t2\n\t2\n');
    expect(tsv.stderr).toBe('dstream: --format tsv: output record 3 has the key undefined, an earlier record the key "": both are written as an empty field, so they read back as one key (said once)\n');
    const csv = await runCli([...keys.slice(0, 2), 'l => [l === "e" ? "" : l === "a" ? "a" : undefined, 1]', ...keys.slice(3), '--format', 'csv'], 'x\ne\na\n');
    expect(csv.stdout).toBe(',1\n,1\na,1\n');
    expect(csv.stderr).toBe('dstream: --format csv: output record 2 has the key "", an earlier record the key undefined: both are written as an empty field, so they read back as one key (said once)\n');
  });

  it('json (null and "") and text ("(undefined,1)", "(,1)") tell them apart: nothing said; nor with only one of them', async () => {
    const json = await runCli([...keys, '--format', 'json'], 'u\n\n');
    expect(json.stdout).toBe('{"time":1000,"key":null,"value":1}\n{"time":1000,"key":"","value":1}\n');
    expect(json.stderr).toBe('');
    const text = await runCli(keys, 'u\n\n');
    expect(text.stderr).toBe('');
    const one = await runCli([...keys, '--format', 'csv'], '\n\na\n');
    expect(one.stdout).toBe(',2\na,1\n');
    expect(one.stderr).toBe('');
  });
});

describe('--header: a record of another shape than the first is said once and written to the header\'s width', () => {
  it('a string and null under an object\'s columns, a pair under them: rows as wide as the header, one stderr line', async () => {
    const fn = 'l => l === "a" ? { x: l, y: 1, z: 2 } : l === "b" ? l : l === "n" ? null : [l, 2]';
    const r = await runCli(['--once', '--map', fn, '--format', 'csv', '--header'], 'a\nb\nc\nn\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('x,y,z\na,1,2\nb,,\nc,2,\nnull,,\n');
    expect(r.stderr).toBe('dstream: --header: output record 2 is the string "b", unlike the first record, which made the columns (x, y, z): it is written from the first column on, the other columns empty (said once; --format json keeps every record as it is)\n');
  });

  it('a number under key, value; a pair under value (its JSON, one field); an object under value fits', async () => {
    const pairs = await runCli(['--once', '--map', 'l => l === "a" ? [l, 1] : 7', '--format', 'tsv', '--header'], 'a\nb\n');
    expect(pairs.stdout).toBe('key\tvalue\na\t1\n7\t\n');
    expect(pairs.stderr).toMatch(/^dstream: --header: output record 2 is the number 7, unlike the first record, which made the columns \(key, value\)/);
    const values = await runCli(['--once', '--map', 'l => l === "a" ? l : l === "b" ? [l, 1] : { q: 1 }', '--format', 'csv', '--header'], 'a\nb\nc\n');
    expect(values.stdout).toBe('value\na\n"[""b"",1]"\n"{""q"":1}"\n');
    expect(values.stderr).toBe('dstream: --header: output record 2 is a [key, value] pair, unlike the first record, which made the columns (value): it is written as its JSON in that column (said once; --format json keeps every record as it is)\n');
  });

  it('records all of the first one\'s shape: nothing said', async () => {
    const r = await runCli(['--once', '--map', 'l => ({ x: l })', '--format', 'csv', '--header'], 'a\nb\n');
    expect(r.stdout).toBe('x\na\nb\n');
    expect(r.stderr).toBe('');
  });
});

describe('an operator flag is numbered as the user wrote it, in one thread and with --workers', () => {
  it('--count-by-value --map: the "returned undefined" warning names --map #2 both ways', async () => {
    const file = join(tempDir(), 'in.txt');
    writeFileSync(file, 'a b c\n'.repeat(1000));
    const args = ['--count-by-value', '--map', 'l => field(l, 9)', '--format', 'tsv'];
    const want = "dstream: --map #2 'l => field(l, 9)': returned undefined for the only record of a batch (a misspelt field? a function body in braces without return?); warned once\n";
    const one = await runWithStdinFile(args, file);
    expect(one.stdout).toBe('\n');
    expect(one.stderr).toBe(want);
    const two = await runWithStdinFile(['--workers', '2', ...args], file);
    expect(two.stdout).toBe('\n');
    expect(two.stderr).toBe(want);
  });
});
