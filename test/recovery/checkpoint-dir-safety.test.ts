/**
 * A checkpoint directory is dstream's own (issue 15, items 6 and 8): symbolic
 * links and other non-regular files planted in it are refused, never written
 * through; a directory owned by another user or writable by others is refused
 * (exit 2, one line); faults and odd contents give messages that name the
 * file and the way out. Planted links point only inside the test's temp dir.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../src/checkpoint/checkpoint-store.js';
import { runCli } from '../helpers/run-cli.js';

/** When set, `fs.writeSync` of the code under test throws `code` after `skip` good writes. */
let failWrites: { code: string; skip: number } | null = null;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (...a: unknown[]) => {
    if (failWrites && failWrites.skip-- <= 0) throw Object.assign(new Error(`${failWrites.code}: i/o error, write`), { code: failWrites.code });
    return (fs.writeSync as (...x: unknown[]) => number)(...a);
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

afterEach(() => {
  failWrites = null;
});

const tmp = () => mkdtempSync(join(tmpdir(), 'dstream-ckdir-'));
const JOB = ['--batch', '100ms', '--count', '--format', 'tsv'];
const envelope = (body: unknown) => {
  const text = JSON.stringify(body);
  return `{"v":1,"sha256":"${createHash('sha256').update(text).digest('hex')}","body":${text}}\n`;
};

/** A checkpoint written by one real run of JOB. */
async function realCheckpoint(): Promise<{ base: string; ck: string }> {
  const base = tmp();
  const ck = join(base, 'ck');
  expect((await runCli([...JOB, '--checkpoint', ck], 'a\nb\n')).code).toBe(0);
  return { base, ck };
}

describe('planted symbolic links and other files', () => {
  it.each([
    ['offsets/7.json', 'offsets/7.json is a symbolic link; dstream does not follow links in a checkpoint: remove it'],
    ['state/9.json', 'state/9.json is a symbolic link; dstream does not follow links in a checkpoint: remove it'],
    ['wal', 'wal is a symbolic link; dstream does not follow links in a checkpoint'],
    ['wal/0.log', 'wal/0.log is a symbolic link; dstream does not follow links in a checkpoint: remove it'],
  ])('a symbolic link at %s: exit 2 before any input, the file it points to untouched', async (where, says) => {
    const { base, ck } = await realCheckpoint();
    const victim = join(base, 'victim');
    if (where === 'wal') mkdirSync(victim);
    else writeFileSync(victim, 'precious\n');
    if (where.startsWith('wal/')) mkdirSync(join(ck, 'wal'), { mode: 0o700 });
    symlinkSync(victim, join(ck, where));
    const r = await runCli([...JOB, '--checkpoint', ck, ...(where.startsWith('wal') ? ['--wal'] : [])], 'c\n');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --checkpoint ${ck}: ${says}`);
    if (where !== 'wal') expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('a directory where a checkpoint file belongs: exit 2 naming it', async () => {
    const { ck } = await realCheckpoint();
    mkdirSync(join(ck, 'commits', '12.json'));
    const r = await runCli([...JOB, '--checkpoint', ck], '');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --checkpoint ${ck}: commits/12.json is not a regular file; remove it`);
  });
});

describe.skipIf(process.getuid?.() !== 0)('other people\'s directories', () => {
  it('a checkpoint directory owned by another user: exit 2, one line', async () => {
    const { ck } = await realCheckpoint();
    chownSync(ck, 4242, 4242);
    const r = await runCli([...JOB, '--checkpoint', ck], '');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --checkpoint ${ck} is owned by user 4242, not by you (user 0); use a checkpoint directory of your own`);
  });
});

describe('directories writable by others', () => {
  it.each([['the checkpoint directory', ''], ['its offsets directory', 'offsets']])('%s with mode 0777: exit 2, one line', async (_what, sub) => {
    const { ck } = await realCheckpoint();
    chmodSync(join(ck, sub), 0o777);
    const r = await runCli([...JOB, '--checkpoint', ck], '');
    expect(r.code).toBe(2);
    const what = sub ? `--checkpoint ${ck}: ${sub}` : `--checkpoint ${ck}`;
    expect(r.stderr.split('\n')[0]).toBe(`dstream: ${what} is writable by others (mode 0777); run chmod 700 on it, or use a new directory`);
  });
});

describe('messages', () => {
  it('a write fault on metadata.json (or the lock) names the file and the error', () => {
    const ck = join(tmp(), 'ck');
    failWrites = { code: 'EIO', skip: 1 }; // the lock is written, metadata.json is not
    expect(() => CheckpointStore.open(ck, { description: { p: 1 }, fingerprint: 'test' })).toThrow(`cannot write ${join(ck, 'metadata.json')}: EIO: i/o error, write; the previous checkpoint stays valid`);
    failWrites = { code: 'EIO', skip: 0 };
    expect(() => CheckpointStore.open(ck, { description: { p: 1 }, fingerprint: 'test' })).toThrow(`cannot create the lock ${join(ck, 'lock')}: EIO: i/o error, write`);
  });

  it('a checkpoint of a newer format says so (exit 2)', async () => {
    const { ck } = await realCheckpoint();
    const meta = JSON.parse(readFileSync(join(ck, 'metadata.json'), 'utf8')) as { body: { format: number } };
    writeFileSync(join(ck, 'metadata.json'), envelope({ ...meta.body, format: 2 }));
    const r = await runCli([...JOB, '--checkpoint', ck], '');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --checkpoint ${ck} has checkpoint format 2, written by a newer dstream; this one reads format 1: run it with that dstream, or use a new --checkpoint directory`);
  });

  it('"files": null in a watched directory\'s offsets: exit 1, the checkpoint is called damaged', async () => {
    const base = tmp();
    const input = join(base, 'in');
    mkdirSync(input);
    writeFileSync(join(input, 'a.log'), 'x\n');
    const ck = join(base, 'ck');
    const args = ['--watch', input, '--once', '--settle', '0', '--batch', '100ms', '--format', 'tsv', '--checkpoint', ck];
    expect((await runCli(args)).code).toBe(0);
    const name = `--watch ${input}`;
    writeFileSync(join(ck, 'offsets', '0.json'), envelope({ id: 0, timeMs: 1000, sources: { [name]: { files: null } }, outputs: {} }));
    writeFileSync(join(ck, 'offsets', '1.json'), envelope({ id: 1, timeMs: 2000, sources: { [name]: { files: [] } }, outputs: {} }));
    const { rmSync, readdirSync } = await import('node:fs');
    for (const sub of ['state', 'commits']) for (const f of readdirSync(join(ck, sub))) rmSync(join(ck, sub, f));
    for (const f of readdirSync(join(ck, 'offsets'))) if (!/^[01]\.json$/.test(f)) rmSync(join(ck, 'offsets', f));
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`checkpoint: the logged offsets of ${name} are damaged ("files" is not a list of file identities)`);
    expect(r.stderr).not.toMatch(/not iterable|internal error/);
  });
});
