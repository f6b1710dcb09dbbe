/**
 * Regression tests for small defects of the CLI and engine, one `describe` per defect, each
 * running the real `bin/dstream.js`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, collectExit, runCli, type RunResult } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-defects-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Moves a file with `text` into `dir` (a rename: taken at once, no settle period). */
function arrive(dir: string, name: string, text: string): void {
  const tmp = join(dir, '..', `${name}.new`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dir, name));
}

describe('a checkpointed cron run with nothing new prints nothing', () => {
  it('--watch --once --checkpoint --count: 3, then nothing, then 2 for two new lines', async () => {
    const d = tempDir();
    const inDir = join(d, 'in');
    const ck = join(d, 'ck');
    const args = ['--watch', inDir, '--once', '--checkpoint', ck, '--count', '--format', 'tsv'];
    mkdirSync(inDir);
    arrive(inDir, 'a.log', '1\n2\n3\n');
    const first = await runCli(args);
    expect([first.code, first.stdout]).toEqual([0, '3\n']);
    const idle = await runCli(args);
    expect([idle.code, idle.stdout]).toEqual([0, '']);
    const idleText = await runCli(args.slice(0, -2));
    expect([idleText.code, idleText.stdout]).toEqual([0, '']);
    arrive(inDir, 'b.log', '4\n5\n');
    const next = await runCli(args);
    expect([next.code, next.stdout]).toEqual([0, '2\n']);
  });

  it('stdin with --once --checkpoint: nothing appended prints nothing; a first run over empty input still counts 0', async () => {
    const d = tempDir();
    const log = join(d, 'access.log');
    writeFileSync(log, 'a\nb\n');
    const args = ['--once', '--checkpoint', join(d, 'ck'), '--count', '--format', 'tsv'];
    expect((await runWithStdinFile(args, log)).stdout).toBe('2\n');
    expect((await runWithStdinFile(args, log)).stdout).toBe('');
    expect((await runWithStdinFile(['--once', '--checkpoint', join(d, 'ck2'), '--count', '--format', 'tsv'])).stdout).toBe('0\n');
  });

  it('a processing-time window is not output again by a run with nothing new', async () => {
    const d = tempDir();
    const log = join(d, 'access.log');
    writeFileSync(log, 'a\nb\n');
    const args = ['--once', '--checkpoint', join(d, 'ck'), '--count', '--window', '2', '--slide', '1', '--format', 'tsv'];
    expect((await runWithStdinFile(args, log)).stdout).toBe('1970-01-01T00:00:00.000Z\t2\n');
    expect((await runWithStdinFile(args, log)).stdout).toBe('');
  });
});

describe('a sum that cannot be given right is refused, the record counted', () => {
  it('1e308 + 1e308, as doubles (numbers a --map returns) or written in the input, are exact integers: never an Infinity sum', async () => {
    const r = await runCli(['--map', 'l => Number(l)', '--reduce', 'sum', '--format', 'tsv'], '1e308\n1e308\n');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `2${'0'.repeat(308)}\n`, '']);
    const avg = await runCli(['--map', 'l => { const [k, v] = l.split(" "); return [k, Number(v)] }', '--reduce-by-key', 'avg', '--format', 'tsv', '--on-error', 'fail'], 'a -1e308\na -1e308\n');
    expect([avg.code, avg.stdout, avg.stderr]).toEqual([0, 'a\t-1e+308\n', '']);
    const exact = await runCli(['--reduce', 'sum', '--format', 'tsv'], '1e308\n1e308\n');
    expect([exact.code, exact.stdout, exact.stderr]).toEqual([0, `2${'0'.repeat(308)}\n`, '']);
  });

  it('a decimal added to an integer beyond 2^53 would drop digits: refused, in either order', async () => {
    for (const input of ['0.1\n9007199254740993\n', '9007199254740993\n0.1\n']) {
      const r = await runCli(['--reduce', 'sum', '--format', 'tsv'], input);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(input.split('\n')[0] + '\n');
      expect(r.stderr).toMatch(/RangeError: sum cannot be exact: .* adds a fraction to an integer beyond 2\^53/);
      expect(r.stderr).toContain("dstream: 1 record skipped (1 by --reduce 'sum')\n");
    }
    const ints = await runCli(['--reduce', 'sum', '--format', 'tsv'], '9007199254740993\n2\n');
    expect([ints.stdout, ints.stderr]).toEqual(['9007199254740995\n', '']);
  });

  it('an integer written with an exponent is exact (1.1e23 + 9007199254740993, in either order); and so is a double beyond 2^53 that a --map returns', async () => {
    for (const input of ['9007199254740993\n1.1e23\n', '1.1e23\n9007199254740993\n']) {
      const r = await runCli(['--reduce', 'sum', '--format', 'tsv'], input);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '110000009007199254740993\n', '']);
    }
    const big = await runCli(['--reduce', 'sum', '--format', 'tsv'], '123456789012345678901234567890\n2.5e30\n');
    expect(big.stdout).toBe('2623456789012345678901234567890\n');
    const ones = await runCli(['--reduce', 'sum', '--format', 'tsv'], '1.1e23\n1\n');
    expect([ones.stdout, ones.stderr]).toEqual(['110000000000000000000001\n', '']);
    // A double beyond 2^53 that a --map returns adds as the integer it prints as (test/e2e/sum-of-doubles.test.ts).
    const r = await runCli(['--map', 'l => (l === "x" ? 1.1e23 : l)', '--reduce', 'sum', '--format', 'tsv'], '9007199254740993\nx\n');
    expect([r.stdout, r.stderr]).toEqual(['110000009007199254740993\n', '']);
  });

  it('avg of integers whose exact sum leaves the double range is still given; an integer beyond it is refused', async () => {
    const e308 = `1${'0'.repeat(308)}`;
    const mean = await runCli(['--reduce', 'avg', '--format', 'tsv'], `${e308}\n${e308}\n`);
    expect([mean.code, mean.stdout, mean.stderr]).toEqual([0, '1e+308\n', '']);
    const huge = await runCli(['--reduce', 'avg', '--format', 'tsv'], `1${'0'.repeat(400)}\n5\n`);
    expect([huge.code, huge.stdout]).toEqual([0, '5\n']);
    expect(huge.stderr).toContain("RangeError: avg takes values within ±1.8e308 (its result is a double)");
    expect(huge.stderr).toContain("dstream: 1 record skipped (1 by --reduce 'avg')\n");
  });
});

describe('two SIGINTs while a user function holds the event loop', () => {
  it('the second one aborts with exit 130, even when the graceful stop could finish at once', async () => {
    // The function sends both signals to its own process while it runs: both wait in one signal read.
    const fn = 'l => { if (l === "1") { process.kill(process.pid, "SIGINT"); process.kill(process.pid, "SIGINT") } return l }';
    const r = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--map', fn, '--count', '--format', 'tsv'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      collectExit(child, resolve, reject);
      child.stdin.on('error', () => {});
      child.stdin.write('1\n'); // stdin stays open: only the signals end the job
      child.on('close', () => child.stdin.destroy());
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('dstream: SIGINT: finishing the current batch (again to abort)\ndstream: SIGINT again: aborting\n');
  });
});

describe('a SIGINT while a slow user function runs over a file', () => {
  it('is served within a slow line or two, not after the 64 lines of a whole slice', async () => {
    const dir = tempDir();
    const file = join(dir, 'forty.txt');
    writeFileSync(file, Array.from({ length: 40 }, (_, i) => `${i + 1}\n`).join(''));
    // 100 ms per line; the function signals its own process at line 3. Before, a slice read 64 lines
    // before looking at the clock: all 40 were counted and the signal came too late to matter.
    const fn = 'l => { if (l === "3") process.kill(process.pid, "SIGINT"); const e = Date.now() + 100; while (Date.now() < e); return l }';
    const r = await runWithStdinFile(['--workers', '1', '--map', fn, '--count', '--format', 'tsv'], file);
    expect(r.code).toBe(0);
    const n = Number(r.stdout);
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThan(10);
    // The output is of the first n lines, and stderr says how many bytes of the file that is.
    const read = Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('').length;
    expect(r.stderr).toBe(`dstream: SIGINT: finishing the current batch (again to abort)\ndstream: stopped before the end of the input: the output covers the first ${read} of its 111 bytes\n`);
  });
});

describe('--workers over a file that grows while the threads read it', () => {
  it('says on stderr how many bytes came after the size at the start and are not in the output', async () => {
    const dir = tempDir();
    const file = join(dir, 'grows.txt');
    writeFileSync(file, Array.from({ length: 100_000 }, (_, i) => `${i}\n`).join(''));
    // The function itself appends 4 bytes when it reads line 10 (an event, no timing).
    const fn = `l => { if (l === "10") process.getBuiltinModule("fs").appendFileSync(${JSON.stringify(file)}, "zzz\\n"); return l }`;
    const r = await runWithStdinFile(['--workers', '2', '--map', fn, '--count', '--format', 'tsv'], file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('100000\n');
    expect(r.stderr).toBe('dstream: warning: the input grew by 4 bytes while the threads read it: those bytes are not in the output (--workers 1 reads to the end)\n');
  });
});

describe('--count=false', () => {
  it('leaves the operator out, --count=true keeps it, another value is a usage error (exit 2)', async () => {
    const off = await runCli(['--count=false', '--format', 'tsv'], '1\n2\n3\n');
    expect([off.code, off.stdout, off.stderr]).toEqual([0, '1\n2\n3\n', '']);
    const byValueOff = await runCli(['--map', 'l => l % 2', '--count-by-value=false', '--count', '--format', 'tsv'], '1\n2\n3\n');
    expect([byValueOff.code, byValueOff.stdout]).toEqual([0, '3\n']);
    const on = await runCli(['--count=true', '--format', 'tsv'], '1\n2\n3\n');
    expect([on.code, on.stdout]).toEqual([0, '3\n']);
    const bad = await runCli(['--count=yes'], '1\n');
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([2, '', "dstream: --count takes no value, got '--count=yes' (--count=false leaves it out)\n"]);
  });
});

describe('a usage error names what the user typed', () => {
  const bad = async (args: string[], env: Record<string, string> = {}) => {
    const r = await runCli(args, '1\n', env);
    return [r.code, r.stdout, r.stderr];
  };

  it('a bad value from DSTREAM_* is said of the variable, from --config of the file and key', async () => {
    expect(await bad(['--count'], { DSTREAM_FORMAT: 'xml' })).toEqual([2, '', "dstream: DSTREAM_FORMAT: 'xml' is not an output format; use one of text, json, tsv, csv\n"]);
    expect(await bad(['--count'], { DSTREAM_BATCH: '5x' })).toEqual([2, '', "dstream: DSTREAM_BATCH: '5x' is not a duration; use a number of seconds or a unit: 500ms, 10s, 5m, 1h, 1d\n"]);
    const file = join(tempDir(), 'dstream.json');
    writeFileSync(file, '{"format": "xml"}');
    expect(await bad(['--config', file, '--count'])).toEqual([2, '', `dstream: --config ${file}: format: 'xml' is not an output format; use one of text, json, tsv, csv\n`]);
    // A flag wins over the environment, and is named as a flag.
    expect(await bad(['--format', 'yaml', '--count'], { DSTREAM_FORMAT: 'tsv' })).toEqual([2, '', "dstream: --format: 'yaml' is not an output format; use one of text, json, tsv, csv\n"]);
  });

  it('an unknown one-letter option is not matched to a long name an edit away (-f is not --to)', async () => {
    expect(await bad(['-f', 'tsv', '--count'])).toEqual([2, '', "dstream: unknown option '-f' (the short options are -h and -V; long options starting with f: --filter, --flat-map, --format, --from)\n"]);
    expect(await bad(['-x', '--count'])).toEqual([2, '', "dstream: unknown option '-x' (the short options are -h and -V)\n"]);
    expect(await bad(['--fromat', 'tsv'])).toEqual([2, '', "dstream: unknown option '--fromat' (did you mean --format?)\n"]);
  });

  it('--format.x is an unknown option, not a value "[object Object]"', async () => {
    expect(await bad(['--format.x', 'tsv', '--count'])).toEqual([2, '', "dstream: unknown option '--format.x' (did you mean --format?)\n"]);
  });
});

describe('paths written: a FILE needs its directory, a DIR is created', () => {
  it('--output, --dead-letter, --late, --progress-json under a missing directory: exit 2, nothing created', async () => {
    const d = tempDir();
    for (const flag of ['--output', '--dead-letter', '--late', '--progress-json']) {
      const path = join(d, 'missing', 'f.txt');
      const r = await runCli([flag, path, '--count', '--format', 'tsv'], '1\n');
      expect([flag, r.code, r.stdout]).toEqual([flag, 2, '']);
      expect(r.stderr).toMatch(new RegExp(`^dstream: ${flag}: cannot open '${path}'.*ENOENT.*\\n$`));
      expect(existsSync(join(d, 'missing'))).toBe(false);
    }
  });

  it('--output-dir and --checkpoint are created with their missing parents', async () => {
    const d = tempDir();
    const r = await runCli(['--output-dir', join(d, 'a', 'b', 'out'), '--checkpoint', join(d, 'c', 'd', 'ck'), '--count', '--format', 'tsv'], '1\n');
    expect(r.code).toBe(0);
    expect(readdirSync(join(d, 'a', 'b', 'out')).length).toBeGreaterThan(0);
    expect(existsSync(join(d, 'c', 'd', 'ck', 'metadata.json'))).toBe(true);
  });
});

describe('a processing-time sampling window over bounded input', () => {
  it('is refused at flag time (exit 2), not output as a count of 0', async () => {
    const d = tempDir();
    const file = join(d, 'ten');
    writeFileSync(file, '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
    const r = await runWithStdinFile(['--count', '--window', '1', '--slide', '2', '--format', 'tsv'], file);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'dstream: --window 1: the slide interval 2s is longer than the window length 1s (a sampling window); over bounded input (a file, --once) batch times are not clock times, so which batches fall in a window is arbitrary; use a slide of at most 1s, or --event-time\n']);
    const once = await runCli(['--once', '--count-by-value', '--window', '2s', '--slide', '3s'], '1\n');
    expect([once.code, once.stdout]).toEqual([2, '']);
    // In event time the windows are real times: accepted, with the note.
    const ev = await runWithStdinFile(['--event-time', 'l => l * 1000', '--count', '--window', '1', '--slide', '2', '--format', 'tsv'], file);
    expect([ev.code, ev.stdout]).toEqual([0, '1970-01-01T00:00:02.000Z\t1\n1970-01-01T00:00:04.000Z\t1\n1970-01-01T00:00:06.000Z\t1\n1970-01-01T00:00:08.000Z\t1\n1970-01-01T00:00:10.000Z\t1\n']);
    expect(ev.stderr).toBe('dstream: note: --window 1: the slide interval 2s is longer than the window length (a sampling window): records between two windows are not counted\n');
  });
});
