/** End-to-end: flags, formats, exit codes and bad input, on the built binary. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, normaliseTimes, runCli } from '../helpers/run-cli.js';

const RULE = '-'.repeat(43);
const tmp = () => mkdtempSync(join(tmpdir(), 'dstream-test-'));

describe('output formats', () => {
  it('text: Spark\'s print frame, at most --print records then ...', async () => {
    const r = await runCli(['--flat-map', 'l => l.split(" ")', '--count-by-value', '--print', '2'], 'a b\nb c\nc\n');
    expect(r.code).toBe(0);
    expect(normaliseTimes(r.stdout)).toBe(`${RULE}\nTime: T ms\n${RULE}\n(a,1)\n(b,2)\n...\n\n`);
  });

  it('json, tsv and csv: one record per line, fields escaped', async () => {
    const input = 'x\ty,1\n"q",2\nx\ty,3\n';
    const job = ['--map', 'l => [l.split(",")[0], Number(l.split(",")[1])]', '--reduce-by-key', 'sum'];
    const json = await runCli([...job, '--format', 'json'], input);
    expect(normaliseTimes(json.stdout)).toBe('{"time":T,"key":"x\\ty","value":4}\n{"time":T,"key":"\\"q\\"","value":2}\n');
    const tsv = await runCli([...job, '--format', 'tsv'], input);
    expect(tsv.stdout).toBe('x\\ty\t4\n"q"\t2\n');
    const csv = await runCli([...job, '--format', 'csv'], input);
    expect(csv.stdout).toBe('x\ty,4\n"""q""",2\n');
  });

  it('--dead-letter gets one line per skipped record, identical lines included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-dl-'));
    const r = await runCli(['--map', 'l => { throw new Error("no") }', '--dead-letter', join(dir, 'dead')], 'x\nx\nx\ny\n');
    expect(r.code).toBe(1); // every record failed in the function (test/e2e/likely-mistakes.test.ts)
    expect(readFileSync(join(dir, 'dead'), 'utf8')).toBe('x\nx\nx\ny\n');
    // One record that fails twice (two outputs of a flat-map) is still one line.
    const r2 = await runCli(['--flat-map', 'l => [l, l]', '--map', 'l => { throw new Error("no") }', '--dead-letter', join(dir, 'dead2')], 'a\na\n');
    expect(r2.code).toBe(1);
    expect(readFileSync(join(dir, 'dead2'), 'utf8')).toBe('a\na\n');
  });

  it('reads CRLF lines and a last line without newline', async () => {
    const r = await runCli(['--map', 'l => l.length', '--format', 'tsv'], 'ab\r\ncde\r\nf');
    expect(r.stdout).toBe('2\n3\n1\n');
  });

  it('--reduce with a built-in and --count, per batch', async () => {
    const r = await runCli(['--map', 'Number', '--reduce', 'max', '--format', 'tsv'], '3\n10\n7\n');
    expect(r.stdout).toBe('10\n');
    const c = await runCli(['--filter', 'l => l.startsWith("a")', '--count', '--format', 'tsv'], 'ab\nb\nac\n');
    expect(c.stdout).toBe('2\n');
  });

  it('`| head -1` ends quietly with exit 0', async () => {
    const child = spawn('bash', ['-c', `set -o pipefail; node ${BIN} --format json < ${ROOT}/data/elastic-examples/apache_logs | head -1`], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((res) => child.on('close', res));
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out.split('\n')).toHaveLength(2);
    expect(JSON.parse(out).value).toMatch(/^83\.149\.9\.216 /);
  });
});

describe('usage errors: one line, exit 2, before any input is read', () => {
  /** Runs with stdin left open: a process that read input would never exit. */
  function runNoInput(args: string[]) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('a syntax error in FN names the flag and the column', async () => {
    const r = await runNoInput(['--map', 'l => l.split(" ")[']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe("dstream: --map: syntax error: Unexpected end of input in 'l => l.split(\" \")['");
    const mid = await runNoInput(['--map', 'l => l.split(" ")) + 1']);
    expect(mid.stderr.split('\n')[0]).toBe("dstream: --map: syntax error at column 18: Unexpected token ')' in 'l => l.split(\" \")) + 1'");
  });

  it('FN that is not a function', async () => {
    const r = await runNoInput(['--filter', '42']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("dstream: --filter: '42' is not a function; give a function expression like 'x => x.length'");
  });

  it('a window that is not a multiple of the batch interval names a valid alternative', async () => {
    const r = await runNoInput(['--batch', '10s', '--count-by-value', '--window', '25s']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dstream: window length 25s is not a multiple of the batch interval 10s; use 20s or 30s');
  });

  it('a mistyped flag gets "did you mean"', async () => {
    const r = await runNoInput(['--mapp', 'l => l']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("dstream: unknown option '--mapp' (did you mean --map?)");
  });

  it('bad durations and --slide without --window', async () => {
    expect((await runNoInput(['--batch', 'soon'])).stderr.split('\n')[0]).toBe("dstream: --batch: 'soon' is not a duration; use a number of seconds or a unit: 500ms, 10s, 5m, 1h, 1d");
    const r = await runNoInput(['--count', '--slide', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dstream: --slide must follow the --window it belongs to');
  });

  it('--help shows examples and exit codes; --version the version', async () => {
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--count-by-value');
    expect(h.stdout).toContain('130  interrupted twice');
    const v = await runCli(['--version']);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).version);
  });
});

describe('bad input is counted, reported and never fatal', () => {
  it('a throwing FN skips the record, reports it, dead-letters the raw line, exit 0', async () => {
    const dir = tmp();
    const r = await runCli(['--map', 'JSON.parse', '--map', 'o => o.n', '--reduce', 'sum', '--format', 'tsv', '--dead-letter', `${dir}/dead.txt`], '{"n":1}\nnot json\n{"n":2}\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('3\n');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`dstream: --map 'JSON.parse': skipped record: SyntaxError: Unexpected token 'o', "not json" is not valid JSON; input "not json"`);
    expect(lines[lines.length - 1]).toBe("dstream: 1 record skipped (1 by --map 'JSON.parse')");
    expect(readFileSync(`${dir}/dead.txt`, 'utf8')).toBe('not json\n');
  });

  it('--on-error fail stops with exit 1 and names the input', async () => {
    const r = await runCli(['--map', 'JSON.parse', '--on-error', 'fail'], '{"n":1}\nnot json\n');
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --map 'JSON.parse' failed on input "not json": SyntaxError: Unexpected token 'o', "not json" is not valid JSON`);
  });

  it('invalid UTF-8 is replaced and counted; over-long lines are skipped and counted', async () => {
    const input = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x62, 0xc3, 0x28, 0x0a]), Buffer.from('x'.repeat(100) + '\nend\n')]);
    const r = await runCli(['--max-line-bytes', '50', '--format', 'tsv'], input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok\nb\uFFFD(\nend\n');
    expect(r.stderr.trimEnd().split('\n').pop()).toBe('dstream: 1 line over --max-line-bytes skipped; 1 line with invalid UTF-8 (replaced by U+FFFD)');
  });

  it('a value that is not a time is a bad record; late records go to --late', async () => {
    const dir = tmp();
    const args = ['--batch', '100ms', '--event-time', 'l => l.split(" ")[0]', '--count', '--window', '10s', '--format', 'csv', '--late', `${dir}/late.txt`];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise((res) => child.on('close', res));
    child.stdin.write('2020-01-01T00:00:01Z a\ngarbage b\n2020-01-01T00:00:20Z c\n');
    // Wait (for an event, not a time) until the watermark has closed the first window...
    await new Promise<void>((res) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('\n')) res(); }));
    // ...then send a record for it: late.
    child.stdin.end('2020-01-01T00:00:02Z late\n');
    expect(await closed).toBe(0);
    expect(stdout).toBe('2020-01-01T00:00:00.000Z,1\n2020-01-01T00:00:20.000Z,1\n');
    expect(stderr).toContain("dstream: --event-time 'l => l.split(\" \")[0]': skipped record: not a valid time: \"garbage\"; input \"garbage b\"");
    expect(stderr.trimEnd().split('\n').pop()).toBe("dstream: 1 record skipped (1 by --event-time 'l => l.split(\" \")[0]'); 1 late record dropped");
    expect(readFileSync(`${dir}/late.txt`, 'utf8')).toBe('2020-01-01T00:00:02Z late\n');
  });

  it('records that are not pairs for --reduce-by-key are skipped and counted', async () => {
    const r = await runCli(['--map', 'l => l.includes(",") ? l.split(",") : l', '--reduce-by-key', 'count', '--format', 'tsv'], 'a,1\nb\na,2\n');
    expect(r.stdout).toBe('a\t2\n');
    expect(r.stderr.trimEnd().split('\n').pop()).toBe("dstream: 1 record skipped (1 by --reduce-by-key 'count')");
  });
});

describe('signals', () => {
  it('SIGTERM finishes the current batch, emits open windows and exits 0', async () => {
    const child = spawn(process.execPath, [BIN, '--batch', '100ms', '--event-time', 'l => Number(l)', '--count', '--window', '10', '--format', 'csv'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise((res) => child.on('close', res));
    child.stdin.write('1000\n2000\n15000\n');
    // The watermark (15 s) closes [0, 10 s) after the first batch: wait for that line, then stop.
    await new Promise<void>((res) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('\n')) res(); }));
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    expect(stdout).toBe('1970-01-01T00:00:00.000Z,2\n1970-01-01T00:00:10.000Z,1\n');
    expect(stderr).toBe('dstream: SIGTERM: finishing the current batch (SIGINT to abort)\n');
  });
});
