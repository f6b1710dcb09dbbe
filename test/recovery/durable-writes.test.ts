/**
 * Every durable write is all or nothing (issue 15, item 3): a short write or
 * ENOSPC — injected into `writeSync`, and for real on a 64 KiB tmpfs — commits
 * no partial checkpoint file and no partial `--output-dir` batch file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readDurable, writeDurable } from '../../src/checkpoint/durable-file.js';
import { BatchDirOutput, FileOutput } from '../../src/sinks/durable-output.js';
import { ROOT, runCli } from '../helpers/run-cli.js';

const realFs = await vi.importActual<typeof import('node:fs')>('node:fs');

/** When set, replaces `fs.writeSync` for the code under test. */
let fault: ((fd: number, buf: Buffer, off: number, len: number) => number) | null = null;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (fd: number, buf: Buffer, off?: number, len?: number, ...rest: unknown[]) =>
    fault && Buffer.isBuffer(buf) ? fault(fd, buf, off ?? 0, len ?? buf.length - (off ?? 0)) : (fs.writeSync as (...a: unknown[]) => number)(fd, buf, off, len, ...rest);
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const tmp = () => mkdtempSync(join(tmpdir(), 'dstream-durable-'));

/** Writes half of what is asked, then fails with ENOSPC (what a full disk does). */
function halfThenEnospc() {
  let calls = 0;
  return (fd: number, buf: Buffer, off: number, len: number): number => {
    if (calls++ > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return realFs.writeSync(fd, buf, off, Math.max(1, len >> 1));
  };
}

afterEach(() => {
  fault = null;
});

describe('durable writes under injected short writes', () => {
  it('a checkpoint file cut by ENOSPC is not committed: the previous one stays, no temp file is left', () => {
    const dir = tmp();
    const path = join(dir, '3.json');
    writeDurable(path, { n: 1 });
    fault = halfThenEnospc();
    expect(() => writeDurable(path, { n: 2, pad: 'x'.repeat(33_000) })).toThrow(/ENOSPC/);
    fault = null;
    expect(readDurable(path)).toEqual({ ok: true, body: { n: 1 } });
    expect(readdirSync(dir)).toEqual(['3.json']);
  });

  it('a write that makes no progress is an error, not an endless loop or a commit', () => {
    const dir = tmp();
    const path = join(dir, 'state.json');
    fault = () => 0;
    expect(() => writeDurable(path, { n: 2 })).toThrow(/short write .* 0 of \d+ bytes/);
    fault = null;
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--output-dir: a batch file cut by ENOSPC is not renamed into place', () => {
    const dir = tmp();
    const out = new BatchDirOutput(dir, () => 1000);
    out.write('a line\n'.repeat(1000));
    fault = halfThenEnospc();
    expect(() => out.flush()).toThrow(/ENOSPC/);
    fault = null;
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--output FILE: a short write is continued until the whole batch is written', () => {
    const dir = tmp();
    const path = join(dir, 'out.tsv');
    const out = new FileOutput(path);
    let calls = 0;
    fault = (fd, buf, off, len) => realFs.writeSync(fd, buf, off, calls++ < 5 ? Math.min(len, 100) : len);
    out.write('x'.repeat(10_000) + '\n');
    out.sync();
    fault = null;
    out.close();
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(10_000) + '\n');
  });
});

const LOG = readFileSync(`${ROOT}/data/elastic-examples/apache_logs`, 'utf8').trimEnd().split('\n');

function mountTiny(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = join(tmp(), 'probe');
  if (!mountTiny(probe, '64k')) return false;
  spawnSync('umount', [probe]);
  return true;
})();

describe.skipIf(!canMount)('a real full disk (64 KiB tmpfs)', () => {
  it('--output-dir on a full disk: exit 1, nothing partial committed; after freeing space the rerun writes every line once', async () => {
    const base = tmp();
    const input = join(base, 'in');
    mkdirSync(input);
    const files = [0, 1, 2, 3].map((i) => LOG.slice(i * 400, (i + 1) * 400).join('\n') + '\n');
    files.forEach((text, i) => writeFileSync(join(input, `part-${i}.log`), text));
    const out = join(base, 'out');
    expect(mountTiny(out, '64k')).toBe(true);
    try {
      const args = ['--watch', input, '--once', '--settle', '0', '--max-files-per-batch', '1', '--batch', '100ms', '--format', 'tsv',
        '--checkpoint', join(base, 'ck'), '--output-dir', out];
      const full = await runCli(args);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/ENOSPC/);
      for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^(.+\n)+$/);
      expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
      expect(spawnSync('mount', ['-o', 'remount,size=16m', out]).status).toBe(0);
      const rerun = await runCli(args);
      expect(rerun.stderr).not.toMatch(/error|ENOSPC/i);
      expect(rerun.code).toBe(0);
      const written = readdirSync(out).sort().map((f) => readFileSync(join(out, f), 'utf8')).join('');
      expect(written).toBe(files.join(''));
    } finally {
      spawnSync('umount', [out]);
    }
  });

  it('a checkpoint on a full disk: exit 1 naming ENOSPC; every state file left is whole', async () => {
    const base = tmp();
    const ck = join(base, 'fs');
    expect(mountTiny(ck, '64k')).toBe(true);
    try {
      const input = LOG.slice(0, 4000).join('\n') + '\n';
      // State across batches (never emptied at the end of input): ~4,000 keys, far more than 64 KiB.
      const r = await runCli(['--batch', '100ms', '--map', 'l => [l.split(" ").slice(0, 7).join(" "), 1]',
        '--update-state-by-key', '(vs, s) => (s ?? 0) + vs.length', '--format', 'tsv', '--checkpoint', join(ck, 'ck')], input);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ENOSPC/);
      expect(r.stderr).not.toMatch(/internal error/);
      for (const sub of ['offsets', 'commits', 'state']) {
        for (const f of readdirSync(join(ck, 'ck', sub))) expect(readDurable(join(ck, 'ck', sub, f)).ok, `${sub}/${f}`).toBe(true);
      }
    } finally {
      spawnSync('umount', [ck]);
    }
  });
});
