/**
 * End-to-end: a UTF-8 byte order mark at the start of stdin, of a file in a
 * watched directory and of a TCP connection (--listen and --connect) is
 * dropped: it never becomes part of the first key, `--parse csv` finds its
 * quoted header and `--parse json` reads the first line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const withBom = (text: string) => Buffer.concat([BOM, Buffer.from(text)]);

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-e2e-bom-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Sorted non-empty lines of stdout. */
const rows = (s: string) => s.split('\n').filter(Boolean).sort();

describe('a UTF-8 BOM at the start of the input is dropped', () => {
  it('stdin (a pipe): the first key is "a", not "\\ufeffa"', async () => {
    const r = await runCli(['--count-by-value', '--format', 'tsv'], withBom('a\na\nb\n'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\t2\nb\t1\n');
    expect(r.stderr).toBe('');
  });

  it('stdin: --parse csv finds its quoted header, --parse json reads the first line', async () => {
    const csv = await runCli(['--parse', 'csv', '--map', 'r => r.name + "=" + r.n', '--format', 'tsv'], withBom('"name","n"\n"x",1\n"y",2\n'));
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('x=1\ny=2\n');
    expect(csv.stderr).toBe('');
    const json = await runCli(['--parse', 'json', '--map', 'r => r.a', '--reduce', 'sum', '--format', 'tsv'], withBom('{"a":1}\n{"a":2}\n'));
    expect(json.code).toBe(0);
    expect(json.stdout).toBe('3\n');
    expect(json.stderr).toBe('');
  });

  it('stdin redirected from a file (block reads), and with --wal', async () => {
    const dir = tmp();
    const file = join(dir, 'in.txt');
    writeFileSync(file, withBom('a\na\nb\n'));
    const direct = runWithStdinFile(['--count-by-value', '--format', 'tsv'], file);
    const wal = runWithStdinFile(['--count-by-value', '--format', 'tsv', '--checkpoint', join(dir, 'ck'), '--wal'], file);
    for (const r of await Promise.all([direct, wal])) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('a\t2\nb\t1\n');
    }
  });

  it('a BOM alone, or cut short, is not dropped as a whole: "\\ufeff" stays a line, "\\xef\\xbb" is invalid UTF-8', async () => {
    const only = await runCli(['--map', 'l => l.length', '--format', 'tsv'], Buffer.from([0xef, 0xbb, 0xbf, 0x0a, 0xef, 0xbb, 0xbf, 0x0a]));
    expect(only.stdout).toBe('0\n1\n'); // the first one is the stream's BOM, the second is text
    const cut = await runCli(['--map', 'l => JSON.stringify(l)', '--format', 'tsv'], Buffer.from([0xef, 0xbb, 0x0a, 0x78, 0x0a]));
    expect(cut.stdout).toBe('"\ufffd"\n"x"\n');
    expect(cut.stderr).toContain('invalid UTF-8 replaced by U+FFFD');
  });

  it('every file of a watched directory (plain and .gz)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'one.jsonl'), withBom('{"name":"x","n":1}\n'));
    writeFileSync(join(dir, 'two.jsonl.gz'), gzipSync(withBom('{"name":"y","n":2}\n')));
    const r = await runCli(['--once', '--watch', dir, '--settle', '50ms', '--parse', 'json', '--map', 'r => r.name + "=" + r.n', '--format', 'tsv']);
    expect(r.code).toBe(0);
    expect(rows(r.stdout)).toEqual(['x=1', 'y=2']);
    expect(r.stderr).toBe('');
  });

  it('every --listen connection, even with the BOM split over two writes', async () => {
    const job = start(['--listen', '127.0.0.1:0', '--once', '--idle-timeout', '1s', '--count-by-value', '--format', 'tsv']);
    const port = await job.port();
    // Both connected before either closes: --once ends only after --idle-timeout without producers.
    const [one, two] = await Promise.all([open(port), open(port)]);
    await Promise.all([produce(one, [withBom('a\nb\n')]), produce(two, [BOM.subarray(0, 1), Buffer.concat([BOM.subarray(1), Buffer.from('a\n')])])]);
    expect(await job.exited).toBe(0);
    expect(rows(job.out())).toEqual(['a\t2', 'b\t1']);
    expect(job.err()).not.toContain('invalid UTF-8');
  });

  it('a --connect connection', async () => {
    const server = createServer((c) => c.end(withBom('{"a":1}\n{"a":2}\n')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const r = await runCli(['--connect', `127.0.0.1:${port}`, '--once', '--parse', 'json', '--map', 'r => r.a', '--reduce', 'sum', '--format', 'tsv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('3\n');
    expect(r.stderr).toBe('');
  });
});

/** A running dstream; `port()` waits for its "listening on" line. */
function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }) as ChildProcessWithoutNullStreams;
  cleanup.push(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    for (const w of waiters) w();
  });
  child.stdin.end();
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const re = /dstream: listening on 127\.0\.0\.1:(\d+)/;
  return {
    exited,
    out: () => stdout,
    err: () => stderr,
    port: () =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const m = re.exec(stderr);
          if (m) resolve(Number(m[1]));
        };
        waiters.push(check);
        check();
        void exited.then(() => reject(new Error(`dstream exited before listening: ${stderr}`)));
      }),
  };
}

async function open(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

/** Writes `parts` one write at a time (each after the previous one was flushed), then closes. */
async function produce(s: Socket, parts: Buffer[]): Promise<void> {
  for (const p of parts) await new Promise<void>((r) => s.write(p, () => r()));
  s.end();
  await once(s, 'close');
}
