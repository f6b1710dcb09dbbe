/** Pure parts of the directory source: settle rule, identity set, ready order, file filter, addresses. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ConfigError } from '../../../src/core/errors.js';
import { formatHostPort, parseHostPort } from '../../../src/sources/address.js';
import { parseAfterRead } from '../../../src/sources/directory/after-read.js';
import { FileFilter } from '../../../src/sources/directory/watcher.js';
import { headHash, ProcessedFiles, type ProcessedFile } from '../../../src/sources/directory/file-identity.js';
import { ReadyQueue } from '../../../src/sources/directory/ready-queue.js';
import { SettleTracker, type SettleStat } from '../../../src/sources/directory/settle.js';

const st = (size: number, mtimeMs: number, ctimeMs = mtimeMs, ino = 7): SettleStat => ({ size, mtimeMs, ctimeMs, dev: 1, ino });

describe('SettleTracker (--settle)', () => {
  it('unchanged: settled once the same stat has been seen for settleMs of the clock', () => {
    const clock = new ManualClock(0);
    const t = new SettleTracker(1000, clock);
    expect(t.observe('f', st(10, 5e12))).toEqual({ settled: false, checkAtMs: 1000 });
    clock.setTime(600);
    expect(t.observe('f', st(20, 5e12 + 1))).toEqual({ settled: false, checkAtMs: 1600 }); // grew: starts again
    clock.setTime(1000);
    expect(t.observe('f', st(20, 5e12 + 1))).toEqual({ settled: false, checkAtMs: 1600 });
    clock.setTime(1600);
    expect(t.observe('f', st(20, 5e12 + 1))).toEqual({ settled: true, reason: 'unchanged' });
    expect(t.pending).toBe(0);
  });

  it('renamed: change time after modification time (and not empty) settles at once', () => {
    const t = new SettleTracker(1000, new ManualClock(0));
    expect(t.observe('f', st(10, 5e12, 5e12 + 3))).toEqual({ settled: true, reason: 'renamed' });
    expect(t.observe('e', st(0, 5e12, 5e12 + 3)).settled).toBe(false); // an empty file may not be written yet
  });

  it('quiet: an inode unchanged for settleMs by its own change time (e.g. files present at start)', () => {
    const t = new SettleTracker(1000, new ManualClock(10_000));
    expect(t.observe('f', st(10, 8_000))).toEqual({ settled: true, reason: 'quiet' });
    expect(t.observe('g', st(10, 9_500)).settled).toBe(false);
  });

  it('an old mtime alone (ctime now) is not a reason to skip or to wait longer: renamed applies', () => {
    const t = new SettleTracker(1000, new ManualClock(0));
    expect(t.observe('f', st(10, 946_684_800_000, 5e12))).toEqual({ settled: true, reason: 'renamed' });
  });
});

describe('ProcessedFiles (identity of read files)', () => {
  const head = Buffer.from('first bytes\n');
  const entry = (over: Partial<ProcessedFile> = {}): ProcessedFile => ({
    path: '/d/a.log', size: 12, mtimeMs: 1000, dev: 1, ino: 42, headHash: headHash(head), headBytes: head.length, outcome: 'read', ...over,
  });

  it('same path, inode and first bytes: same; changed size: modified; new inode or content: new', () => {
    const p = new ProcessedFiles();
    p.add(entry());
    expect(p.lookup('/d/a.log', { size: 12, mtimeMs: 1000, dev: 1, ino: 42 }, head).status).toBe('same');
    expect(p.lookup('/d/a.log', { size: 30, mtimeMs: 2000, dev: 1, ino: 42 }, Buffer.concat([head, Buffer.from('more')])).status).toBe('modified');
    expect(p.lookup('/d/a.log', { size: 12, mtimeMs: 1000, dev: 1, ino: 43 }, head).status).toBe('new');
    expect(p.lookup('/d/a.log', { size: 12, mtimeMs: 1000, dev: 1, ino: 42 }, Buffer.from('other bytes\n')).status).toBe('new');
  });

  it('a rename (same inode, size, mtime, first bytes) is the same file; a failed read is retried once changed', () => {
    const p = new ProcessedFiles();
    p.add(entry());
    expect(p.lookup('/d/b.log', { size: 12, mtimeMs: 1000, dev: 1, ino: 42 }, head).status).toBe('same');
    p.add(entry({ path: '/d/f.log', ino: 9, outcome: 'failed' }));
    expect(p.lookup('/d/f.log', { size: 12, mtimeMs: 1000, dev: 1, ino: 9 }, head).status).toBe('same');
    expect(p.lookup('/d/f.log', { size: 12, mtimeMs: 3000, dev: 1, ino: 9 }, head).status).toBe('new');
  });

  it('snapshot() is plain JSON and restore() takes it back; a bad snapshot is E_CHECKPOINT_FORMAT', () => {
    const p = new ProcessedFiles();
    p.add(entry());
    const data = JSON.parse(JSON.stringify(p.snapshot()));
    expect(data).toEqual({ version: 1, files: [entry()] });
    const q = new ProcessedFiles();
    q.restore(data);
    expect(q.lookup('/d/a.log', { size: 12, mtimeMs: 1000, dev: 1, ino: 42 }, head).status).toBe('same');
    expect(() => q.restore({ version: 2, files: [] })).toThrow(/unknown version 2/);
    expect(() => q.restore({ version: 1, files: [{ path: 3 }] })).toThrow(expect.objectContaining({ code: 'E_CHECKPOINT_FORMAT' }));
    q.forget('/d/a.log');
    expect(q.size).toBe(0);
  });
});

describe('ReadyQueue', () => {
  it('pops by mtime then path; re-adding or deleting a path replaces its entry', () => {
    const q = new ReadyQueue<number>();
    q.add('/b', 5, 1);
    q.add('/a', 5, 2);
    q.add('/c', 1, 3);
    q.add('/d', 9, 4);
    q.add('/d', 0, 5); // changed: now oldest
    q.delete('/c');
    expect([q.pop(), q.pop(), q.pop(), q.pop()].map((e) => e?.path)).toEqual(['/d', '/a', '/b', undefined]);
    expect(q.size).toBe(0);
  });
});

describe('FileFilter', () => {
  it('ignores hidden paths and temporary suffixes; pattern without / matches the name', () => {
    const f = new FileFilter('/w', { pattern: '*.log' });
    expect(f.acceptsFile('/w/a.log')).toBe(true);
    expect(f.acceptsFile('/w/a.txt')).toBe(false);
    expect(f.acceptsFile('/w/.a.log')).toBe(false);
    expect(f.acceptsFile('/w/sub/a.log')).toBe(false); // not recursive
    for (const n of ['x.tmp', 'x.part', 'x.SWP']) expect(new FileFilter('/w').acceptsFile(`/w/${n}`)).toBe(false);
    const r = new FileFilter('/w', { recursive: true, pattern: 'logs/**/*.gz' });
    expect(r.acceptsFile('/w/logs/2024/a.gz')).toBe(true);
    expect(r.acceptsFile('/w/other/a.gz')).toBe(false);
    expect(r.entersDirectory('/w/logs')).toBe(true);
    expect(r.entersDirectory('/w/.cache')).toBe(false);
  });
});

describe('addresses and --after-read values', () => {
  it('parses HOST:PORT, [IPv6]:PORT and a bare port for --listen; errors name the flag', () => {
    expect(parseHostPort('example.org:80', '--connect')).toEqual({ host: 'example.org', port: 80 });
    expect(parseHostPort('[::1]:9000', '--connect')).toEqual({ host: '::1', port: 9000 });
    expect(parseHostPort('0', '--listen', { defaultHost: '127.0.0.1', allowZero: true })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(formatHostPort({ host: '::1', port: 1 })).toBe('[::1]:1');
    expect(() => parseHostPort('9000', '--connect')).toThrow("--connect: '9000' is not HOST:PORT, e.g. 127.0.0.1:9000");
    expect(() => parseHostPort('h:0', '--connect')).toThrow(ConfigError);
    expect(() => parseHostPort('h:70000', '--connect')).toThrow("--connect: '70000' in 'h:70000' is not a port (1–65535)");
    expect(() => parseHostPort('::1:80', '--connect')).toThrow(/IPv6 host in brackets/);
  });

  it('--after-read keep|delete|move:DIR', () => {
    expect(parseAfterRead('keep')).toEqual({ kind: 'keep' });
    expect(parseAfterRead('move:/x')).toEqual({ kind: 'move', dir: '/x' });
    expect(() => parseAfterRead('archive')).toThrow("--after-read: 'archive' is not keep, delete or move:DIR");
  });
});
