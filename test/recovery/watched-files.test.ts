/**
 * Watched files under faults (issue 15, items 1 and 2): a replay after a crash
 * reads exactly the bytes the offset log recorded — the renamed original after
 * log rotation — or stops loudly when they are gone; it never reads another
 * file under the same name. A file is known by name, device/inode and a
 * fingerprint of its first bytes, with and without a checkpoint: a file
 * rewritten in place at the same size with its mtime restored is read again.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDurable } from '../../src/checkpoint/durable-file.js';
import { IssueLog } from '../../src/core/issues.js';
import { DirectorySource } from '../../src/sources/directory/source.js';
import { runCli } from '../helpers/run-cli.js';
import { CollectingSink } from '../sources/helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dstream-files-'));
const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `seq ${String(from + i).padStart(6, '0')}`).join('\n') + '\n';
const JOB = (input: string, ck: string, out: string) => ['--watch', input, '--once', '--settle', '0', '--batch', '100ms', '--format', 'tsv',
  '--map', 'l => l.split(" ")[1]', '--checkpoint', ck, '--output', out];

/**
 * Makes the batch that read `name` look as if the process was killed before
 * committing it: its commit, and every later log entry and snapshot, are removed.
 */
function crashBeforeCommitOf(ck: string, name: string): number {
  const ids = readdirSync(join(ck, 'offsets')).map((f) => Number(f.split('.')[0])).sort((a, b) => a - b);
  const n = ids.find((id) => JSON.stringify(readDurable(join(ck, 'offsets', `${id}.json`))).includes(name));
  if (n === undefined) throw new Error(`no batch read ${name}`);
  for (const sub of ['offsets', 'commits', 'state']) {
    for (const f of readdirSync(join(ck, sub))) {
      const id = Number(f.split('.')[0]);
      if (id > n || (id === n && sub !== 'offsets')) rmSync(join(ck, sub, f));
    }
  }
  return n;
}

/** A watched directory holding `name` with `text`, and where the job keeps its checkpoint and output. */
function setup(name: string, text: string, write: (path: string, text: string) => void = writeFileSync) {
  const base = tmp();
  const input = join(base, 'in');
  mkdirSync(input);
  write(join(input, name), text);
  return { input, ck: join(base, 'ck'), out: join(base, 'out.tsv') };
}

/** The output file's length when batch `n` started (its logged position). */
function positionAt(ck: string, n: number, out: string): number {
  const r = readDurable(join(ck, 'offsets', `${n}.json`));
  return (r as { body: { outputs: Record<string, number> } }).body.outputs[`file:${out}`]!;
}

describe('replay after a crash during log rotation', () => {
  it('rotated by rename: the replay reads the renamed original; every line is output exactly once', async () => {
    const { input, ck, out } = setup('app.log', seq(1, 1000));
    expect((await runCli(JOB(input, ck, out))).code).toBe(0);
    const n = crashBeforeCommitOf(ck, 'app.log');
    writeFileSync(out, readFileSync(out).subarray(0, positionAt(ck, n, out)));
    renameSync(join(input, 'app.log'), join(input, 'app.log.1'));
    writeFileSync(join(input, 'app.log'), seq(1001, 2000)); // the same size: a cut would not show
    const r = await runCli(JOB(input, ck, out));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort()).toEqual(seq(1, 2000).trimEnd().split('\n').map((l) => l.split(' ')[1]));
  });

  it('deleted and recreated under the same name: the replay stops with exit 1 naming the file; nothing of the new file is output in its place', async () => {
    const { input, ck, out } = setup('app.log', seq(1, 1000));
    expect((await runCli(JOB(input, ck, out))).code).toBe(0);
    const n = crashBeforeCommitOf(ck, 'app.log');
    const before = readFileSync(out).subarray(0, positionAt(ck, n, out));
    writeFileSync(out, before);
    unlinkSync(join(input, 'app.log'));
    writeFileSync(join(input, 'app.log'), seq(1001, 2000));
    const r = await runCli(JOB(input, ck, out));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot replay a logged batch exactly: ${join(input, 'app.log')} \\(\\d+ bytes, inode \\d+\\) as it was read: (another file has its name|its first bytes changed)`)); // the new file may get the old inode
    expect(r.stderr).not.toMatch(/internal error|TypeError/);
    expect(readFileSync(out, 'utf8')).not.toMatch(/^001001$/m);
  });
});

/** Rewrites `path` in place (same inode, same size) with `text`, and puts its mtime back. */
function rewriteInPlace(path: string, text: string): void {
  const st = statSync(path);
  const fd = openSync(path, 'r+');
  writeSync(fd, text, 0);
  closeSync(fd);
  utimesSync(path, MTIME_S, MTIME_S);
  const now = statSync(path);
  expect([now.ino, now.size, now.mtimeMs]).toEqual([st.ino, st.size, st.mtimeMs]);
}

/** A whole-second mtime (set on the original and restored after a rewrite). */
const MTIME_S = 1_767_225_600;
const writeOriginal = (path: string, text: string) => {
  writeFileSync(path, text);
  utimesSync(path, MTIME_S, MTIME_S);
};

describe('file identity includes a fingerprint of the content', () => {
  it('with a checkpoint: a file rewritten in place at the same size, mtime restored, is read again', async () => {
    const { input, ck, out } = setup('a.log', seq(1, 500), writeOriginal);
    expect((await runCli(JOB(input, ck, out))).code).toBe(0);
    rewriteInPlace(join(input, 'a.log'), seq(501, 1000));
    const r = await runCli(JOB(input, ck, out));
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(seq(1, 1000).replace(/seq /g, ''));
  });

  it('with a checkpoint: ... and renamed, it is read again (same inode, new content)', async () => {
    const { input, ck, out } = setup('a.log', seq(1, 500), writeOriginal);
    expect((await runCli(JOB(input, ck, out))).code).toBe(0);
    rewriteInPlace(join(input, 'a.log'), seq(501, 1000));
    renameSync(join(input, 'a.log'), join(input, 'b.log'));
    const r = await runCli(JOB(input, ck, out));
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(seq(1, 1000).replace(/seq /g, ''));
  });

  it('without a checkpoint (the processed set given back): the same file rewritten in place is read again', async () => {
    const input = tmp();
    writeOriginal(join(input, 'a.log'), seq(1, 500));
    const run = async (restore?: unknown) => {
      const src = new DirectorySource({ dirs: [input], issues: new IssueLog(), once: true, settleMs: 0 });
      if (restore) src.restore(restore);
      const sink = new CollectingSink();
      await src.prepare();
      src.start(sink);
      await sink.whenEnded();
      return { records: sink.records, snapshot: src.snapshot() };
    };
    const first = await run();
    expect(first.records).toHaveLength(500);
    expect((await run(first.snapshot)).records).toEqual([]); // unchanged: not read again
    rewriteInPlace(join(input, 'a.log'), seq(501, 1000));
    expect((await run(first.snapshot)).records).toEqual(seq(501, 1000).trimEnd().split('\n'));
  });
});
