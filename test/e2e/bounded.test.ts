/**
 * End-to-end: bounded input (stdin from a regular file, or `--once`) is
 * batched by the input, not the clock, and cron runs under a checkpoint add up
 * to one run. Every run here gets stdin as a real file descriptor of a regular
 * file (as `dstream … < file` does), not a pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, type RunResult } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;
const LINES = readFileSync(APACHE, 'utf8').trimEnd().split('\n');

/** Runs dstream with stdin redirected from `file` (a regular file), or from /dev/null. */
const run = runWithStdinFile;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dstream-bounded-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bundled access log split into one file per day (in the log's order), as `[name, text]`. */
function days(): [string, string][] {
  const byDay = new Map<string, string[]>();
  for (const l of LINES) {
    const day = l.split('[')[1]!.slice(0, 11).replace(/\//g, '-');
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day)!.push(l);
  }
  return [...byDay].map(([d, ls]) => [`${d}.log`, ls.join('\n') + '\n']);
}

describe('one-off questions over a file', () => {
  it('the same query 10 times under CPU load gives one identical output, the exact top 10', async () => {
    const file = join(dir, 'big.log');
    writeFileSync(file, '');
    for (let i = 0; i < 4; i++) appendFileSync(file, readFileSync(APACHE));
    // The answer computed independently: requests with status 200 per path, top 10 (count desc, path asc).
    const counts = new Map<string, number>();
    for (const l of LINES) {
      const f = l.split(' ');
      if (f[8] === '200') counts.set(f[6]!, (counts.get(f[6]!) ?? 0) + 4);
    }
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([k, v]) => `${k}\t${v}\n`).join('');
    const spinner: ChildProcess = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      const outputs = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const r = await run(['--filter', 'l => l.split(" ")[8] === "200"', '--map', 'l => l.split(" ")[6]', '--count-by-value', '--top', '10', '--format', 'tsv'], file);
        expect(r.code).toBe(0);
        outputs.add(r.stdout);
      }
      expect([...outputs]).toEqual([expected]);
    } finally {
      spinner.kill('SIGKILL');
    }
  });

  it('--max-records-per-batch N cuts the file into batches of N records, at consecutive logical batch times', async () => {
    const r = await run(['--count', '--max-records-per-batch', '3000'], APACHE);
    expect(r.code).toBe(0);
    const frame = (t: number, n: number) => `-------------------------------------------\nTime: ${t} ms\n-------------------------------------------\n${n}\n\n`;
    expect(r.stdout).toBe(frame(1000, 3000) + frame(2000, 3000) + frame(3000, 3000) + frame(4000, 1000));
  });

  it('processing-time windows over a file see its batches as consecutive batch intervals', async () => {
    const r = await run(['--count', '--window', '2s', '--max-records-per-batch', '4000', '--format', 'tsv'], APACHE);
    expect(r.code).toBe(0);
    // Batches at 2 s (4000), 3 s (4000), 4 s (2000) after the epoch (the first at the window length, so
    // that no window starts before the epoch); windows of 2 s sliding every batch.
    expect(r.stdout).toBe('1970-01-01T00:00:00.000Z\t4000\n1970-01-01T00:00:01.000Z\t8000\n1970-01-01T00:00:02.000Z\t6000\n');
  });

  it('text on a pipe prints every record of a batch; --print N keeps the cut', async () => {
    const all = await run(['--map', 'l => l.split(" ")[8]'], APACHE);
    expect(all.stdout.split('\n').slice(3, -2)).toEqual(LINES.map((l) => l.split(' ')[8]));
    const cut = await run(['--map', 'l => l.split(" ")[8]', '--print', '2'], APACHE);
    expect(cut.stdout).toBe('-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n200\n200\n...\n\n');
  });

  it('--header names the columns of tsv and csv', async () => {
    const win = await run(['--parse', 'combined', '--event-time', 'auto', '--map', 'r => r.status', '--count-by-value', '--window', '1d', '--format', 'tsv', '--header'], APACHE);
    expect(win.stdout.split('\n').slice(0, 2)).toEqual(['window_start\twindow_end\tkey\tvalue', '2015-05-17T00:00:00.000Z\t2015-05-18T00:00:00.000Z\t200\t1496']);
    const rec = await run(['--parse', 'combined', '--map', 'r => ({ ip: r.remote_addr, status: r.status })', '--format', 'csv', '--header'], APACHE);
    expect(rec.stdout.split('\n').slice(0, 2)).toEqual(['ip,status', '83.149.9.216,200']);
    // A cron job appending to --output FILE writes the header once.
    const out = join(dir, 'header.tsv');
    const cronArgs = ['--once', '--checkpoint', join(dir, 'header-ck'), '--output', out, '--format', 'tsv', '--header', '--count'];
    await run(cronArgs, APACHE);
    appendFileSync(join(dir, 'header-in.log'), 'x\n');
    await run(cronArgs, join(dir, 'header-in.log'));
    expect(readFileSync(out, 'utf8')).toBe('value\n10000\n1\n');
    const bad = await run(['--count', '--header']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--header adds a header row to tsv or csv');
  });

  it('--max-records-per-batch is refused for live input', async () => {
    const r = await runCli(['--count', '--max-records-per-batch', '5'], 'a\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-records-per-batch cuts bounded input');
  });

  it('--once makes a pipe bounded: one batch, or batches of --max-records-per-batch', async () => {
    const r = await runCli(['--once', '--count', '--format', 'tsv'], { file: APACHE });
    expect(r.stdout).toBe('10000\n');
    const cut = await runCli(['--once', '--count', '--format', 'tsv', '--max-records-per-batch', '3000'], { file: APACHE });
    expect(cut.stdout).toBe('3000\n3000\n3000\n1000\n');
    // A file of exactly 2 × N records is 2 batches, not 2 and an empty one.
    const exact = await run(['--count', '--format', 'tsv', '--max-records-per-batch', '5000'], APACHE);
    expect(exact.stdout).toBe('5000\n5000\n');
  });

  it('--once --watch with --max-files-per-batch: batches of N files, with and without a checkpoint', async () => {
    const watch = join(dir, 'files-in');
    mkdirSync(watch);
    days().forEach(([name, text]) => writeFileSync(join(watch, name), text));
    const args = ['--watch', watch, '--once', '--settle', '0', '--max-files-per-batch', '2', '--count', '--format', 'tsv'];
    const plain = await run(args);
    expect(plain.stdout).toBe(`${1632 + 2893}\n${2896 + 2579}\n`);
    const ck = await run([...args, '--checkpoint', join(dir, 'files-ck')]);
    expect(ck.stdout).toBe(`${1632 + 2893}\n${2896 + 2579}\n`);
  });
});

describe('cron runs with a checkpoint add up to one run', () => {
  /** Runs `args` as cron jobs over a watched directory; `runs[i]` are the files moved in before run i. */
  async function cron(name: string, args: string[], runs: [string, string][][]): Promise<RunResult[]> {
    const watch = join(dir, `${name}-in`);
    const ck = join(dir, `${name}-ck`);
    rmSync(watch, { recursive: true, force: true });
    rmSync(ck, { recursive: true, force: true });
    mkdirSync(watch);
    const results: RunResult[] = [];
    for (const files of runs) {
      for (const [f, text] of files) {
        const tmp = join(dir, `${name}.tmp`);
        writeFileSync(tmp, text);
        renameSync(tmp, join(watch, f));
      }
      const r = await run(['--watch', watch, '--once', '--settle', '0', '--checkpoint', ck, ...args]);
      expect(r.code, r.stderr).toBe(0);
      results.push(r);
    }
    return results;
  }

  const split = days();
  const perDay = split.map((d) => [d]);
  const statusByHour = ['--parse', 'combined', '--event-time', 'auto', '--map', 'r => r.status', '--count-by-value', '--format', 'tsv'];
  const cases: [string, string[]][] = [
    ['tumbling', [...statusByHour, '--window', '1h']],
    ['sliding', [...statusByHour, '--window', '1h', '--slide', '20m']],
    ['session', ['--parse', 'combined', '--event-time', 'auto', '--map', 'r => r.remote_addr', '--count-by-value', '--session-window', '30m', '--format', 'tsv']],
  ];
  for (const [name, args] of cases) {
    it(`${name} windows: 4 runs, one day each, print the rows of one run; then --drain those of a one-off run`, async () => {
      const four = await cron(`${name}4`, args, [...perDay, []]);
      const one = await cron(`${name}1`, args, [split]);
      expect(four.map((r) => r.stdout).join('')).toBe(one[0]!.stdout);
      expect(four.map((r) => r.stderr).join('')).not.toContain('late');
      expect(four[4]!.stdout).toBe(''); // a run with nothing new prints nothing
      // --drain emits the windows still open: together, what a one-off run over the whole log prints.
      const drained = await run(['--watch', join(dir, `${name}4-in`), '--once', '--drain', '--settle', '0', '--checkpoint', join(dir, `${name}4-ck`), ...args]);
      const whole = await run(args, APACHE);
      expect(four.map((r) => r.stdout).join('') + drained.stdout).toBe(whole.stdout);
      // A run after the drain: the checkpoint holds the real watermark, not +∞ (nothing is late, nothing fails).
      const after = await run(['--watch', join(dir, `${name}4-in`), '--once', '--settle', '0', '--checkpoint', join(dir, `${name}4-ck`), ...args]);
      expect([after.code, after.stdout, after.stderr.replace(/^dstream: checkpoint: restored state after batch \d+\n/, '')]).toEqual([0, '', '']);
    });
  }

  it('--update-state-by-key prints its table once per run (final state), nothing when nothing is new', async () => {
    const args = ['--parse', 'combined', '--map', 'r => [r.status, 1]', '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--format', 'tsv'];
    const four = await cron('state4', args, [...perDay, []]);
    const one = await cron('state1', args, [split]);
    expect(four[3]!.stdout).toBe(one[0]!.stdout);
    expect(one[0]!.stdout).toBe('200\t9126\n206\t45\n301\t164\n304\t445\n403\t2\n404\t213\n416\t2\n500\t3\n');
    expect(four[0]!.stdout).toBe('200\t1496\n206\t17\n301\t61\n304\t28\n404\t30\n');
    expect(four[4]!.stdout).toBe('');
    // In text format too: no empty frame for a run with nothing new.
    const text = await run(['--watch', join(dir, 'state4-in'), '--once', '--settle', '0', '--checkpoint', join(dir, 'state4-ck'), ...args.slice(0, -2)]);
    expect(text.stdout).toBe('');
    expect(four[4]!.stderr).toMatch(/^dstream: checkpoint: restored state after batch \d+\n$/);
  });
});

describe('a regular file on stdin under a checkpoint', () => {
  const args = (ck: string) => ['--once', '--checkpoint', ck, '--parse', 'combined', '--event-time', 'auto', '--map', 'r => r.status', '--count-by-value', '--window', '1d', '--format', 'tsv'];

  it('continues a grown file where the last run stopped, and reads a replaced one from its start', async () => {
    const [d17, d18, d19, d20] = days().map((d) => d[1]);
    const file = join(dir, 'grown.log');
    const ck = join(dir, 'grown-ck');
    writeFileSync(file, d17! + d18!);
    const first = await run(args(ck), file);
    expect(first.stdout.split('\n')[0]).toBe('2015-05-17T00:00:00.000Z\t200\t1496');
    expect(first.stdout).not.toContain('2015-05-18'); // the watermark has not passed the 18th: still open
    appendFileSync(file, d19!);
    const second = await run(args(ck), file);
    expect(second.stderr).not.toContain('late');
    expect(second.stdout).toBe('2015-05-18T00:00:00.000Z\t200\t2534\n2015-05-18T00:00:00.000Z\t206\t4\n2015-05-18T00:00:00.000Z\t301\t49\n'
      + '2015-05-18T00:00:00.000Z\t304\t240\n2015-05-18T00:00:00.000Z\t403\t1\n2015-05-18T00:00:00.000Z\t404\t63\n2015-05-18T00:00:00.000Z\t500\t2\n');
    const nothing = await run(args(ck), file);
    expect(nothing.stdout).toBe('');
    expect(nothing.stderr).toBe('dstream: checkpoint: restored state after batch 1\n'
      + 'dstream: 1 window stays open in the checkpoint (the watermark has not passed its end): the next run emits it once the watermark passes its end, or --drain at the end of a run\n');
    // Replaced by another file (day 20): read from its start; --drain emits every open window.
    const other = join(dir, 'other.log');
    writeFileSync(other, d20!);
    renameSync(other, file);
    const replaced = await run([...args(ck), '--drain'], file);
    expect(replaced.stderr).toContain('dstream: stdin: not the file the checkpoint\'s last run read (replaced): reading it from its start');
    expect(replaced.stdout).toContain('2015-05-19T00:00:00.000Z\t200\t2645\n');
    expect(replaced.stdout).toContain('2015-05-20T00:00:00.000Z\t200\t2451\n');
  });

  it('is resumed at the exact line where a batch was cut, after a kill -9 at any step of the batch protocol', async () => {
    const expected = new Map<string, number>();
    for (const l of LINES) expected.set(l.split(' ')[8]!, (expected.get(l.split(' ')[8]!) ?? 0) + 1);
    const table = [...expected].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}\t${v}\n`).join('');
    for (const fault of ['after-offsets@1', 'after-output@2', 'after-snapshot@1']) {
      const ck = join(dir, `fault-${fault}`);
      const args = ['--once', '--checkpoint', ck, '--max-records-per-batch', '3000', '--map', 'l => [l.split(" ")[8], 1]',
        '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--format', 'tsv'];
      const killed = await run(args, APACHE, { DSTREAM_FAULT: fault });
      expect(killed.signal, fault).toBe('SIGKILL');
      const again = await run(args, APACHE);
      expect(again.code).toBe(0);
      expect(again.stdout, fault).toBe(table);
    }
  });
});
