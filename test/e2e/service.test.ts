/**
 * The real binary as a systemd `Type=notify` service (a fake NOTIFY_SOCKET)
 * and with `--metrics-port` (scraped over HTTP).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';

interface DgramSocket {
  on(event: 'message', listener: (buf: Buffer) => void): void;
  bind(path: string): void;
  close(): void;
}
let unix: { createSocket(type: 'unix_dgram'): DgramSocket } | null = null;
try {
  unix = createRequire(import.meta.url)('unix-dgram');
} catch {
  unix = null; // optional dependency not built here
}

describe.skipIf(!unix)('systemd notify', () => {
  it('sends READY=1 once running and STOPPING=1 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-sd-'));
    const path = join(dir, 'notify');
    const messages: string[] = [];
    let wake: () => void = () => {};
    const sock = unix!.createSocket('unix_dgram');
    sock.on('message', (b) => {
      messages.push(b.toString());
      wake();
    });
    sock.bind(path);
    const until = (pred: () => boolean) => new Promise<void>((res) => {
      if (pred()) return res();
      wake = () => pred() && res();
    });
    try {
      const child = spawn(process.execPath, [BIN, '--count'], { cwd: ROOT, env: { ...process.env, NOTIFY_SOCKET: path } });
      const closed = new Promise((res) => child.on('close', res));
      child.stdout.resume();
      child.stderr.resume();
      await until(() => messages.some((m) => m.includes('READY=1')));
      child.kill('SIGTERM');
      expect(await closed).toBe(0);
      await until(() => messages.some((m) => m.includes('STOPPING=1')));
      expect(messages[0]).toMatch(/^READY=1/);
      expect(messages.filter((m) => m.includes('STOPPING=1'))).toHaveLength(1);
    } finally {
      sock.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics', () => {
  it('serves Prometheus text whose counters match the job', async () => {
    const child = spawn(process.execPath, [BIN, '--metrics-port', '0', '--batch', '100ms', '--count', '--format', 'tsv'], { cwd: ROOT });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const url = await new Promise<string>((res) => child.stderr.on('data', (d) => {
      stderr += d;
      const m = /metrics on (http:\/\/\S+)/.exec(stderr);
      if (m) res(m[1]!);
    }));
    child.stdin.write('a\nb\nc\n');
    await new Promise<void>((res) => child.stdout.on('data', () => stdout.includes('3') && res()));
    const text = await (await fetch(url)).text();
    child.stdin.end();
    await new Promise((res) => child.on('close', res));
    expect(text).toMatch(/^dstream_records_in_total 3$/m);
    expect(text).toMatch(/^dstream_batch_processing_seconds_count \d+$/m);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });
});
