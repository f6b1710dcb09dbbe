/**
 * `--output-mode update` of `--update-state-by-key` on a file (one table per run):
 * a key of `--initial-state` that gets no values but whose state the function
 * mutates in place and returns is in the table; an equal copy is not.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const dir = tempDirs('dstream-update-mutated-');

function files(): { init: string; input: string } {
  const d = dir();
  const init = join(d, 'init.jsonl');
  const input = join(d, 'in.txt');
  writeFileSync(init, '{"key":"z","state":{"n":5,"idle":0}}\n');
  writeFileSync(input, 'a\nb\nb\n');
  return { init, input };
}

describe('--update-state-by-key --output-mode update: state mutated in place', () => {
  it('prints a key whose state was mutated and returned', async () => {
    const { init, input } = files();
    const fn = '(vs, s) => { s = s || { n: 0, idle: 0 }; if (vs.length) s.n += vs.length; else s.idle++; return s }';
    const r = await runCli(['--map', 'l => [l, 1]', '--update-state-by-key', fn, '--output-mode', 'update', '--initial-state', init, '--format', 'tsv'], { file: input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\t{"n":1,"idle":0}\nb\t{"n":2,"idle":0}\nz\t{"n":5,"idle":1}\n');
  });

  it('does not print a key given back an equal copy of its state', async () => {
    const { init, input } = files();
    const fn = '(vs, s) => vs.length ? { n: (s ? s.n : 0) + vs.length, idle: 0 } : { ...s }';
    const r = await runCli(['--map', 'l => [l, 1]', '--update-state-by-key', fn, '--output-mode', 'update', '--initial-state', init, '--format', 'tsv'], { file: input });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\t{"n":1,"idle":0}\nb\t{"n":2,"idle":0}\n');
  });
});
