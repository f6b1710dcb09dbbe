/**
 * End-to-end: the built binary reading --listen producers, a watched
 * directory and stdin as one stream, with exact totals; --once; --connect;
 * port in use; bounded memory under a slow reader of stdout.
 */
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startCli } from '../helpers/live-cli.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-e2e-src-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const seq = (from: number, to: number) => {
  let s = '';
  for (let i = from; i <= to; i++) s += i + '\n';
  return s;
};

/** A running dstream (killed after the test): `until(test)` waits for output; `total()`/`port()` read it. */
function start(args: string[]) {
  const live = startCli(args);
  cleanup.push(() => live.child.kill('SIGKILL'));
  const { until } = live;
  return {
    ...live,
    /** Sum of the per-batch `--count` lines (tsv) so far. */
    total: () => live.out().split('\n').filter(Boolean).reduce((a, l) => a + Number(l), 0),
    async port(): Promise<number> {
      await until(() => /dstream: listening on 127\.0\.0\.1:(\d+)/.test(live.err()));
      return Number(/dstream: listening on 127\.0\.0\.1:(\d+)/.exec(live.err())![1]);
    },
  };
}

/** `seq a b | nc 127.0.0.1 port`. */
async function produce(port: number, text: string): Promise<void> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.end(text);
  await once(s, 'close');
}

describe('several sources, one stream', () => {
  it('--listen producers, files copied into --watch and stdin all feed one job; totals exact', async () => {
    const dir = tmp();
    const staging = tmp();
    writeFileSync(join(staging, 'big.log'), seq(1, 100_000));
    writeFileSync(join(staging, 'small.log.gz'), gzipSync(seq(1, 5000)));
    const job = start(['--listen', '127.0.0.1:0', '--watch', dir, '--stdin', '--settle', '200ms', '--batch', '200ms', '--count', '--format', 'tsv']);
    const port = await job.port();
    const producers = Array.from({ length: 20 }, () => produce(port, seq(1, 5000)));
    copyFileSync(join(staging, 'big.log'), join(dir, 'big.log')); // cp: written in place, taken once settled
    copyFileSync(join(staging, 'small.log.gz'), join(dir, 'small.log.gz'));
    job.child.stdin.end(seq(1, 30_000));
    await Promise.all(producers);
    const expected = 20 * 5000 + 100_000 + 5000 + 30_000;
    console.log(`sources: producers done; ${job.total()} of ${expected} counted so far`);
    await job.until(() => job.total() >= expected);
    job.child.kill('SIGTERM'); // the listener and the watcher never end by themselves
    expect(await job.exited).toBe(0);
    expect(job.total()).toBe(expected);
    expect(job.err()).toMatch(/SIGTERM: finishing the current batch/);
  });

  it('--once: reads stdin to EOF and the files present, waits --idle-timeout for producers, exits 0', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.log'), seq(1, 1000));
    writeFileSync(join(dir, 'b.log'), seq(1, 2000));
    const job = start(['--once', '--watch', dir, '--settle', '100ms', '-', '--listen', '0', '--idle-timeout', '3s', '--count', '--format', 'tsv', '--batch', '100ms']); // 3 s: the producer connects well within it on a busy machine (timers measured ≤ 160 ms late)
    const port = await job.port();
    await produce(port, seq(1, 500));
    job.child.stdin.end(seq(1, 300));
    expect(await job.exited).toBe(0);
    expect(job.total()).toBe(1000 + 2000 + 500 + 300);
  });

  it('--once with --after-read move: the files are moved after their batch is output', async () => {
    const dir = tmp();
    const done = join(tmp(), 'done');
    writeFileSync(join(dir, 'x.log'), seq(1, 10));
    const r = await runCli(['--once', '--watch', dir, '--settle', '50ms', '--after-read', `move:${done}`, '--count', '--format', 'tsv']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).reduce((a, l) => a + Number(l), 0)).toBe(10);
    expect(readFileSync(join(done, 'x.log'), 'utf8')).toBe(seq(1, 10));
  });

  it('--connect with --once reads one connection to its end', async () => {
    const server = createServer((c) => c.end(seq(1, 4321)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const r = await runCli(['--connect', `127.0.0.1:${port}`, '--once', '--count', '--format', 'tsv']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).reduce((a, l) => a + Number(l), 0)).toBe(4321);
  });
});

describe('source errors', () => {
  it('a port in use: one clear line, exit 2, before any input is read', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const job = start(['--listen', `127.0.0.1:${port}`, '--count']); // stdin left open: nothing may be read
    expect(await job.exited).toBe(2);
    expect(job.out()).toBe('');
    expect(job.err().split('\n')[0]).toBe(`dstream: --listen 127.0.0.1:${port}: port ${port} is already in use on 127.0.0.1; choose another port or stop the process using it`);
  });

  it('--connect-retries exhausted: exit 1 naming the cause', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    server.close();
    await once(server, 'close');
    const r = await runCli(['--connect', `127.0.0.1:${port}`, '--connect-retries', '1', '--count']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`dstream: --connect 127.0.0.1:${port}: connection refused (ECONNREFUSED); reconnecting in 250ms (retry 1 of 1)`);
    expect(r.stderr).toContain(`dstream: --connect 127.0.0.1:${port}: connection refused (ECONNREFUSED); gave up after 1 retry (--connect-retries)`);
  });

  it('source settings without their source, and bad values, are usage errors (exit 2)', async () => {
    const cases: [string[], string][] = [
      [['--pattern', '*.log'], 'dstream: --pattern needs --watch DIR'],
      [['--max-connections', '5'], 'dstream: --max-connections needs --listen [HOST:]PORT'],
      [['--connect', 'nohost'], "dstream: --connect: 'nohost' is not HOST:PORT, e.g. 127.0.0.1:9000"],
      [['--watch', '.', '--after-read', 'archive'], "dstream: --after-read: 'archive' is not keep, delete or move:DIR"],
      [['--max-rate', '0'], "dstream: --max-rate: '0' is not a positive integer"],
      [['--watch', '.', '--once', '--new-files-only'], 'dstream: --new-files-only with --once would read no file: --once reads the files present now'],
      [['--lisen', '9000'], "dstream: unknown option '--lisen' (did you mean --listen?)"],
    ];
    for (const [args, first] of cases) {
      const r = await runCli([...args, '--count']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(first);
    }
  });
});

describe('backpressure', () => {
  it('a slow reader of stdout: producers are paused, memory stays bounded, nothing is lost', async () => {
    const job = start(['--listen', '0', '--map', 'l => l', '--format', 'tsv', '--batch', '100ms', '--stats']);
    const port = await job.port();
    job.child.stdout.pause(); // the reader of stdout stops reading
    const line = 'y'.repeat(99) + '\n';
    const chunk = line.repeat(10_000); // 1 MB
    const MB = 200;
    let received = 0;
    job.child.stdout.removeAllListeners('data');
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < MB; i++) {
        if (!s.write(chunk)) await once(s, 'drain');
        written++;
      }
      s.end();
    })();
    // While nobody reads stdout, dstream's pipe fills, then it stops reading its socket: seen as five
    // batches in a row (--stats lines on stderr) that take no input while the producer has bytes it
    // cannot send (its last write was refused and no 'drain' came). No guessed wait.
    const inputs = () => [...job.err().matchAll(/ · batch \S+ · (\S+) in, /g)].map((m) => m[1]);
    await job.until(() => {
      const ins = inputs();
      return ins.some((n) => n !== '0') && ins.length >= 5 && ins.slice(-5).every((n) => n === '0') && s.writableNeedDrain;
    });
    const stalledAt = written;
    console.log(`backpressure: the producer stalled after ${stalledAt} of ${MB} MB; batches with input then none: ${inputs().join(' ')}`);
    expect(stalledAt).toBeLessThan(MB);
    const hwmWhileStalled = vmHwmKb(job.child.pid!);
    const all = new Promise<void>((resolve) => {
      job.child.stdout.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= MB * 1_000_000) resolve();
      });
    });
    job.child.stdout.resume();
    await writing;
    await all;
    const hwm = vmHwmKb(job.child.pid!);
    job.child.kill('SIGTERM');
    expect(await job.exited).toBe(0);
    expect(received).toBe(MB * 1_000_000);
    // Peak RSS of the dstream process (VmHWM, measured ~70 MiB stalled, ~115 MiB after 200 MB went
    // through; an unbounded stdout queue would need the 200 MB on top of the ~65 MiB baseline).
    expect(hwmWhileStalled).toBeLessThan(100 * 1024);
    expect(hwm).toBeLessThan(180 * 1024);
  }, 120_000);
});

/** Peak resident set size of a process, KiB (Linux /proc). */
function vmHwmKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
