/** --watch on real directories; settle timing driven by a ManualClock where possible. */
import { EventEmitter } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ConfigError } from '../../../src/core/errors.js';
import { IssueLog } from '../../../src/core/issues.js';
import { DirectorySource, type DirectoryEvent, type DirectorySourceOptions } from '../../../src/sources/directory/source.js';
import { chokidarFactory, type WatchFactory } from '../../../src/sources/directory/watcher.js';
import { RateLimiter } from '../../../src/sources/flow.js';
import { soak } from '../../helpers/long.js';
import { waitFor } from '../../helpers/wait.js';
import { CollectingSink, EventLog, range } from '../helpers.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-watch-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function source(dirs: string[], extra: Partial<DirectorySourceOptions> = {}) {
  const events = new EventLog<DirectoryEvent>();
  const logs = new EventLog<string>();
  const issues = new IssueLog();
  const src = new DirectorySource({ dirs, issues, onEvent: events.push, log: logs.push, ...extra });
  cleanup.push(() => src.stop());
  const sink = new CollectingSink();
  const start = async () => {
    await src.prepare();
    src.start(sink);
    await events.until(has('ready'));
  };
  return { src, sink, events, logs, issues, start };
}

const has = (type: DirectoryEvent['type'], path?: string, n = 1) => (es: DirectoryEvent[]) =>
  es.filter((e) => e.type === type && (path === undefined || ('path' in e && e.path === path))).length >= n;
const seenSize = (path: string, size: number) => (es: DirectoryEvent[]) => es.some((e) => e.type === 'seen' && e.path === path && e.size === size);
const lines = (from: number, to: number) => range(from, to).map((x) => x + '\n').join('');

describe('--watch: a file is taken only when complete, and exactly once', () => {
  it('a file written slowly in chunks is read only after it settles, and once (ManualClock)', async () => {
    const dir = tmp();
    const clock = new ManualClock(0); // far from the real time: only the "unchanged for --settle" rule applies
    // The test plays the watcher (chokidar coalesces events within 5 ms, which would make "the
    // watcher saw this size" racy); stats, the settle rule and reading are real.
    const watcher = Object.assign(new EventEmitter(), { close: async () => {} });
    const t = source([dir], { clock, settleMs: 1000, watchFactory: () => watcher });
    setImmediate(() => watcher.emit('ready'));
    await t.start();
    const f = join(dir, 'slow.log');
    let size = 0;
    for (let chunk = 0; chunk < 4; chunk++) {
      const text = lines(chunk * 10 + 1, chunk * 10 + 10);
      appendFileSync(f, text);
      size += Buffer.byteLength(text);
      watcher.emit(chunk === 0 ? 'add' : 'change', f);
      await t.events.until(seenSize(f, size));
      clock.advance(600); // less than --settle since the last change
      expect(t.events.events.some((e) => e.type === 'settled')).toBe(false);
      expect(t.sink.records).toEqual([]);
    }
    clock.advance(400); // 1000 ms unchanged: the recheck stats it again and takes it
    await t.events.until(has('read', f));
    expect(t.sink.records).toEqual(range(1, 40));
    expect(t.events.events.find((e) => e.type === 'settled')).toEqual({ type: 'settled', path: f, reason: 'unchanged' });
    clock.advance(10_000);
    watcher.emit('change', f); // later events cause no second read of slow.log
    writeFileSync(join(dir, 'next.log'), 'n\n');
    watcher.emit('add', join(dir, 'next.log'));
    await t.events.until(seenSize(join(dir, 'next.log'), 2));
    clock.advance(1000);
    await t.events.until(has('read', join(dir, 'next.log')));
    expect(t.events.events.filter((e) => e.type === 'read' && e.path === f)).toHaveLength(1);
    expect(t.sink.records).toEqual([...range(1, 40), 'n']);
  });

  it('a file renamed into the directory is taken at once, without waiting for --settle', async () => {
    const dir = tmp();
    const staging = tmp();
    const t = source([dir], { clock: new ManualClock(0), settleMs: 60_000 });
    await t.start();
    writeFileSync(join(staging, 'done.log'), lines(1, 3));
    const past = Date.now() / 1000 - 60; // mtime a minute back (as `cp -p` leaves it): the rename's ctime is after it, whatever the clock's grain
    utimesSync(join(staging, 'done.log'), past, past);
    renameSync(join(staging, 'done.log'), join(dir, 'done.log'));
    await t.events.until(has('read', join(dir, 'done.log')));
    expect(t.events.events.find((e) => e.type === 'settled')).toMatchObject({ reason: 'renamed' });
    expect(t.sink.records).toEqual(['1', '2', '3']);
  });

  const FILES = soak('DSTREAM_WATCH_FILES', 2000, 10_000);
  it(`${FILES.toLocaleString('en')} small files: each read once, in order of mtime then name`, async () => {
    const dir = tmp();
    const N = FILES;
    for (let i = 0; i < N; i++) writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.log`), `line ${i}\n`);
    const clock = new ManualClock(0);
    const t = source([dir], { clock, settleMs: 1000 });
    await t.start();
    await t.events.until(has('seen', undefined, N));
    clock.advance(1000);
    await t.sink.count(N);
    await t.events.until(has('read', undefined, N));
    expect(new Set(t.sink.records).size).toBe(N);
    const readOrder = t.events.events.filter((e) => e.type === 'read').map((e) => (e as { path: string }).path);
    expect(new Set(readOrder).size).toBe(N);
    // mtime then name: the order must equal a sort by (mtime, path) of the files' stats.
    const mtime = new Map(readOrder.map((p) => [p, statSync(p).mtimeMs]));
    const sorted = [...readOrder].sort((a, b) => mtime.get(a)! - mtime.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    expect(readOrder).toEqual(sorted);
  });

  it('old modification times never cause a skip; order is mtime then name', async () => {
    const dir = tmp();
    const mk = (name: string, mtimeSec: number) => {
      writeFileSync(join(dir, name), `${name}\n`);
      utimesSync(join(dir, name), mtimeSec, mtimeSec);
    };
    mk('c.log', 946_684_800); // 2000-01-01
    mk('a.log', 946_684_900);
    mk('b.log', 946_684_800);
    const t = source([dir], { once: true, clock: new ManualClock(0) });
    await t.src.prepare();
    t.src.start(t.sink);
    await t.sink.whenEnded();
    expect(t.sink.records).toEqual(['b.log', 'c.log', 'a.log']);
  });
});

describe('--watch: formats and failures', () => {
  it('.gz files are decompressed transparently', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'big.log.gz'), gzipSync(lines(1, 20_000)));
    writeFileSync(join(dir, 'plain.log'), 'p\n');
    const t = source([dir], { once: true, settleMs: 0 });
    await t.src.prepare();
    t.src.start(t.sink);
    await t.sink.whenEnded();
    expect(t.sink.records.filter((r) => r !== 'p')).toEqual(range(1, 20_000));
    expect(t.sink.records).toHaveLength(20_001);
  });

  it('a file deleted while being read is read to its end (the open descriptor keeps it)', async () => {
    const dir = tmp();
    const f = join(dir, 'big.log');
    writeFileSync(f, lines(1, 200_000));
    const clock = new ManualClock(0);
    // --max-rate 50,000/s on a manual clock stops the read part-way, deterministically.
    const t = source([dir], { once: true, settleMs: 0, clock, rate: new RateLimiter(50_000, clock) });
    await t.src.prepare();
    t.src.start(t.sink);
    await t.sink.count(50_000);
    expect(t.sink.records).toHaveLength(50_000);
    unlinkSync(f);
    expect(existsSync(f)).toBe(false);
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await t.sink.count(50_000 * (i + 2));
    }
    // The last 50,000 may use up a second's budget before the end of the file is seen: the source
    // then waits for the next second, so the clock moves on until it ends.
    await waitFor('the source to end', () => {
      if (!t.sink.ended) clock.advance(1000);
      return t.sink.ended;
    }, 60_000, 10);
    expect(t.sink.records).toEqual(range(1, 200_000));
    expect(t.events.events.find((e) => e.type === 'read')).toEqual({ type: 'read', path: f, lines: 200_000 });
  });

  it('unreadable files are counted and skipped, never fatal: injected EACCES, corrupt .gz, broken symlink', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'denied.log'), 'secret\n');
    writeFileSync(join(dir, 'bad.log.gz'), 'this is not gzip\n');
    symlinkSync(join(dir, 'missing-target'), join(dir, 'dangling.log'));
    writeFileSync(join(dir, 'good.log'), 'ok\n');
    // Root reads files whatever their mode, so EACCES is injected at open().
    const openFile = async (path: string) => {
      if (path.endsWith('denied.log')) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      const { open } = await import('node:fs/promises');
      return open(path, 'r');
    };
    const t = source([dir], { once: true, settleMs: 0, openFile });
    await t.src.prepare();
    t.src.start(t.sink);
    await t.sink.whenEnded();
    expect(t.sink.records).toEqual(['ok']);
    expect(t.issues.counts['unreadable-file']).toBe(3);
    const failed = Object.fromEntries(t.events.events.filter((e) => e.type === 'failed').map((e) => [(e as { path: string }).path.slice(dir.length + 1), (e as { message: string }).message]));
    expect(failed['denied.log']).toBe(`cannot be read: EACCES: permission denied, open '${join(dir, 'denied.log')}'`);
    expect(failed['bad.log.gz']).toMatch(/^read failed after 0 lines \(kept\): incorrect header check/);
    expect(failed['dangling.log']).toBe('broken symbolic link (ENOENT)');
  });

  it('ignores dotfiles, *.tmp, *.part, *.swp, subdirectories unless --recursive, and names not matching --pattern', async () => {
    const dir = tmp();
    for (const n of ['.hidden.log', 'a.tmp', 'b.part', 'c.swp', 'x.txt', 'keep.log']) writeFileSync(join(dir, n), `${n}\n`);
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'sub', 'deep.log'), 'deep.log\n');
    writeFileSync(join(dir, '.git', 'HEAD.log'), 'no\n');
    const flat = source([dir], { once: true, settleMs: 0, pattern: '*.log' });
    await flat.src.prepare();
    flat.src.start(flat.sink);
    await flat.sink.whenEnded();
    expect(flat.sink.records).toEqual(['keep.log']);
    const deep = source([dir], { once: true, settleMs: 0, pattern: '*.log', recursive: true });
    await deep.src.prepare();
    deep.src.start(deep.sink);
    await deep.sink.whenEnded();
    expect([...deep.sink.records].sort()).toEqual(['deep.log', 'keep.log']);
  });
});

describe('--once, --max-files-per-batch, --after-read, --new-files-only', () => {
  it('--once over a directory: settled files are read, one still changing is left for the next run', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.log'), lines(1, 5));
    writeFileSync(join(dir, 'b.log'), lines(6, 10));
    writeFileSync(join(dir, 'growing.log'), 'g1\n');
    const clock = new ManualClock(0);
    const t = source([dir], { once: true, clock, settleMs: 1000 });
    await t.src.prepare();
    t.src.start(t.sink);
    await t.events.until(has('ready'));
    await t.events.until(has('seen', undefined, 3));
    appendFileSync(join(dir, 'growing.log'), 'g2\n');
    clock.advance(1000);
    await t.sink.whenEnded();
    expect(t.sink.records).toEqual(range(1, 10));
    expect(t.events.events).toContainEqual({ type: 'skipped', path: join(dir, 'growing.log'), reason: 'unsettled' });
    expect(t.logs.events.some((m) => m.endsWith('growing.log is still being written; left for the next run'))).toBe(true);
  });

  it('--max-files-per-batch starts at most N files per batch', async () => {
    const dir = tmp();
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `f${i}.log`), `${i}\n`);
    const t = source([dir], { once: true, settleMs: 0, maxFilesPerBatch: 2 });
    await t.src.prepare();
    t.src.start(t.sink);
    await t.events.until(has('read', undefined, 2));
    await new Promise((r) => setImmediate(r));
    expect(t.sink.records).toEqual(['1', '2']);
    t.src.onBatch();
    await t.events.until(has('read', undefined, 4));
    t.src.onBatch();
    await t.sink.whenEnded();
    expect(t.sink.records).toEqual(['1', '2', '3', '4', '5']);
  });

  it('--after-read delete / move:DIR act only at commit (after the batch is output), keeping relative paths', async () => {
    const dir = tmp();
    const archive = join(tmp(), 'archive');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.log'), 'a\n');
    writeFileSync(join(dir, 'sub', 'b.log'), 'b\n');
    const moved = source([dir], { once: true, settleMs: 0, recursive: true, afterRead: { kind: 'move', dir: archive } });
    await moved.src.prepare();
    moved.src.start(moved.sink);
    await moved.sink.whenEnded();
    expect(existsSync(join(dir, 'a.log'))).toBe(true); // not before the commit
    moved.src.commit();
    expect(existsSync(join(dir, 'a.log'))).toBe(false);
    expect(readdirSync(archive).sort()).toEqual(['a.log', 'sub']);
    expect(existsSync(join(archive, 'sub', 'b.log'))).toBe(true);

    writeFileSync(join(dir, 'c.log'), 'c\n');
    const deleted = source([dir], { once: true, settleMs: 0, afterRead: { kind: 'delete' } });
    await deleted.src.prepare();
    deleted.src.start(deleted.sink);
    await deleted.sink.whenEnded();
    deleted.src.commit();
    expect(existsSync(join(dir, 'c.log'))).toBe(false);
  });

  it('--after-read move into the watched directory is a ConfigError', async () => {
    const dir = tmp();
    const t = source([dir], { afterRead: { kind: 'move', dir } });
    await expect(t.src.prepare()).rejects.toBeInstanceOf(ConfigError);
    await expect(source([join(dir, 'nope')]).src.prepare()).rejects.toThrow(/no such directory/);
  });

  it('--new-files-only skips the files present at start', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'old.log'), 'old\n');
    const t = source([dir], { settleMs: 0, newFilesOnly: true });
    await t.start();
    writeFileSync(join(dir, 'new.log'), 'new\n');
    await t.events.until(has('read', join(dir, 'new.log')));
    appendFileSync(join(dir, 'old.log'), 'more\n');
    writeFileSync(join(dir, 'new2.log'), 'new2\n');
    await t.events.until(has('read', join(dir, 'new2.log')));
    expect(t.sink.records).toEqual(['new', 'new2']);
  });
});

describe('identity of processed files', () => {
  it('a restored processed set prevents re-reading; a renamed file is not read again; new content is', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.log'), 'a\n');
    const first = source([dir], { once: true, settleMs: 0 });
    await first.src.prepare();
    first.src.start(first.sink);
    await first.sink.whenEnded();
    const saved = JSON.parse(JSON.stringify(first.src.snapshot()));

    renameSync(join(dir, 'a.log'), join(dir, 'renamed.log'));
    writeFileSync(join(dir, 'b.log'), 'b\n');
    const second = source([dir], { once: true, settleMs: 0 });
    second.src.restore(saved);
    await second.src.prepare();
    second.src.start(second.sink);
    await second.sink.whenEnded();
    expect(second.sink.records).toEqual(['b']);
    expect(second.events.events).toContainEqual({ type: 'skipped', path: join(dir, 'renamed.log'), reason: 'already-read' });
  });

  it('a file changed after it was read is not read again (warned once)', async () => {
    const dir = tmp();
    const t = source([dir], { settleMs: 0 });
    await t.start();
    const f = join(dir, 'x.log');
    writeFileSync(f, 'x1\n');
    await t.events.until(has('read', f));
    appendFileSync(f, 'x2\n');
    await t.events.until(has('skipped', f));
    expect(t.events.events.find((e) => e.type === 'skipped')).toEqual({ type: 'skipped', path: f, reason: 'modified' });
    expect(t.logs.events.filter((m) => m.includes('changed after it was read'))).toHaveLength(1);
    expect(t.sink.records).toEqual(['x1']);
  });
});

describe('watch limits', () => {
  it('falls back to polling, with a warning, when the OS watch limit is hit (ENOSPC)', async () => {
    const dir = tmp();
    const calls: boolean[] = [];
    const factory: WatchFactory = (root, o) => {
      calls.push(o.polling);
      if (!o.polling) {
        const fake = Object.assign(new EventEmitter(), { close: async () => {} });
        setImmediate(() => fake.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' })));
        return fake;
      }
      return chokidarFactory(root, { ...o, pollIntervalMs: 20 });
    };
    const t = source([dir], { settleMs: 0, watchFactory: factory, pollIntervalMs: 20 });
    await t.start();
    expect(calls).toEqual([false, true]);
    expect(t.logs.events.some((m) => m.includes('(ENOSPC); falling back to polling every 20 ms'))).toBe(true);
    writeFileSync(join(dir, 'p.log'), 'polled\n');
    await t.sink.count(1);
    expect(t.sink.records).toEqual(['polled']);
  });
});
