/**
 * End-to-end: `--initial-state FILE.csv` reads the state table that `--format csv` writes (RFC 4180
 * quoting, records over lines, the `--header` row), with tsv's key-text rule: a run continued from it
 * gives the answer of one run. Before, a csv state file was refused ("expected key<TAB>state"), and a
 * tsv one written with `--header` loaded its header row as the key "key".
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-csv-state-');
const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;

/** Runs `args` over `lines` once, and as two runs, the second continuing from the first's output in `file`: both outputs. */
async function continued(args: string[], lines: string[], at: number, file: string): Promise<{ once: string; twice: string }> {
  const input = (ls: string[]) => ls.join('\n') + '\n';
  const first = await runCli(['--once', ...args], input(lines.slice(0, at)));
  expect(first.code).toBe(0);
  writeFileSync(file, first.stdout);
  const second = await runCli(['--once', '--initial-state', file, ...args], input(lines.slice(at)));
  expect(second.stderr).toBe('');
  expect(second.code).toBe(0);
  const once = await runCli(['--once', ...args], input(lines));
  expect(once.code).toBe(0);
  return { once: once.stdout, twice: second.stdout };
}

describe('--initial-state FILE.csv: the state --format csv wrote', () => {
  it.skipIf(!existsSync(APACHE))('apache_logs in two runs (5000 lines, then 5000) counts as one run: status codes (key text) and user agents (quoted keys, object states)', async () => {
    const lines = readFileSync(APACHE, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(10000);
    const status = ['--map', 'l => [l.split(" ")[8], 1]', '--update-state-by-key', '(vs, s) => (s ?? 0) + vs.length', '--format', 'csv'];
    const s = await continued(status, lines, 5000, join(tempDir(), 'status.csv'));
    expect(s.twice).toBe(s.once);
    expect(s.twice.split('\n')).toContain('200,9126');
    const agents = ['--map', 'l => [l.split("\\"")[5], Number(l.split(" ")[9]) || 0]', '--update-state-by-key', '(vs, s) => ({ n: (s?.n ?? 0) + vs.length, bytes: vs.reduce((a, b) => a + b, s?.bytes ?? 0) })', '--format', 'csv', '--header'];
    const a = await continued(agents, lines, 5000, join(tempDir(), 'agents.csv'));
    expect(a.twice).toBe(a.once);
    expect(a.once).toContain('"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.107 Safari/537.36","{""n"":');
  });

  it('a state holding a line break, a quote and a comma spans lines in the file and reads back as it was', async () => {
    const args = ['--map', 'l => [l.split("|")[0], l.split("|")[1].replace("/", "\\n")]', '--update-state-by-key', '(vs, s) => vs.length ? s === undefined ? vs.join("") : s + vs.join("") : s', '--format', 'csv'];
    const r = await continued(args, ['a|x/"y",', 'b|1', 'b|2', 'a|z'], 2, join(tempDir(), 'state.csv'));
    expect(r.twice).toBe(r.once);
    expect(r.once).toBe('a,"x\n""y"",z"\nb,12\n');
  });

  it('a CRLF file with a byte order mark (a spreadsheet\'s export) reads as the LF one', async () => {
    const file = join(tempDir(), 'export.csv');
    writeFileSync(file, '\ufeffkey,value\r\n200,3\r\nx,"a\r\nb"\r\n');
    const r = await runCli(['--once', '--initial-state', file, '--map', 'l => [l, 1]', '--update-state-by-key', '(vs, s) => typeof s === "number" ? s + vs.length : s', '--format', 'json'], '200\n');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('{"time":1000,"key":"200","value":4}\n{"time":1000,"key":"x","value":"a\\r\\nb"}\n');
  });

  it('a record that is not two fields, or a quote never closed, is refused naming its line (exit 2)', async () => {
    const d = tempDir();
    const run = (name: string, text: string) => {
      writeFileSync(join(d, name), text);
      return runCli(['--once', '--initial-state', join(d, name), '--map', 'l => [l, 1]', '--update-state-by-key', '(vs, s) => s'], '');
    };
    const three = await run('three.csv', 'a,1\nb,"2\n3",4\n');
    expect(three.code).toBe(2);
    expect(three.stderr).toBe(`dstream: --initial-state ${join(d, 'three.csv')}:2: expected key,state (the csv of --format csv), got 3 fields\n`);
    const open = await run('open.csv', 'a,1\nb,"2\n');
    expect(open.code).toBe(2);
    expect(open.stderr).toBe(`dstream: --initial-state ${join(d, 'open.csv')}:2: a quoted csv field opened here is never closed\n`);
    const named = await run('state.txt', 'a,1\n');
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('got 1 field; a state file of --format csv is read as csv when its name ends in .csv');
  });
});

describe('--initial-state FILE.tsv written with --header', () => {
  it('its header row is no state: two runs count as one', async () => {
    const args = ['--map', 'l => [l, 1]', '--update-state-by-key', '(vs, s) => (s ?? 0) + vs.length', '--format', 'tsv', '--header'];
    const r = await continued(args, ['a', 'b', 'a', 'c'], 2, join(tempDir(), 'state.tsv'));
    expect(r.twice).toBe(r.once);
    expect(r.once).toBe('key\tvalue\na\t2\nb\t1\nc\t1\n');
  });
});
