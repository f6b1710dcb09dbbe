/**
 * End-to-end: the README's resumable-log recipe (`dstream … --once --checkpoint DIR < access.log`, run
 * from cron). `dstream checkpoint inspect DIR` shows the byte offset the next run resumes at and the
 * file it is of (before, it showed no offset of stdin at all); and a run with nothing new leaves the
 * checkpoint as it was (before, each such run logged, snapshotted and committed an empty batch).
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-resumable-log-');
const APACHE = readFileSync(`${ROOT}/data/elastic-examples/apache_logs`, 'utf8').split('\n').filter((l) => l !== '');
const lines = (from: number, to: number) => APACHE.slice(from, to).map((l) => `${l}\n`).join('');
const RECIPE = ['--once', '--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv'];

/** Every file under `dir`: its bytes and modification time, by relative path. */
function filesOf(dir: string): Record<string, { text: string; mtimeMs: number }> {
  const out: Record<string, { text: string; mtimeMs: number }> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = { text: readFileSync(p, 'latin1'), mtimeMs: statSync(p).mtimeMs };
    }
  };
  walk(dir);
  return out;
}

describe('dstream checkpoint inspect: where stdin resumes', () => {
  it('the byte offset, the file (path, device, inode) and its size now; after the next run, the new offset', async () => {
    const d = tempDir();
    const log = join(d, 'access.log');
    const ck = join(d, 'ck');
    writeFileSync(log, lines(0, 100));
    const args = [...RECIPE, '--checkpoint', ck, '--output', join(d, 'web.tsv')];
    expect((await runWithStdinFile(args, log)).code).toBe(0);
    const st = statSync(log);
    const where = (offset: number, batch: number, now: number) => `\nstdin: resumes at byte ${offset} of ${log} (device ${st.dev}, inode ${st.ino}; in the state after batch ${batch}; the file has ${now} bytes now)\n`;
    const first = await runCli(['checkpoint', 'inspect', ck]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(where(st.size, 0, st.size));
    appendFileSync(log, lines(100, 150));
    const grown = statSync(log).size;
    expect((await runCli(['checkpoint', 'inspect', ck])).stdout).toContain(where(st.size, 0, grown));
    expect((await runWithStdinFile(args, log)).code).toBe(0);
    expect((await runCli(['checkpoint', 'inspect', ck])).stdout).toContain(where(grown, 1, grown));
    renameSync(log, join(d, 'access.log.1'));
    expect((await runCli(['checkpoint', 'inspect', ck])).stdout).toContain(`\nstdin: resumes at byte ${grown} of ${log} (device ${st.dev}, inode ${st.ino}; in the state after batch 1; ${log} is gone now)\n`);
  });

  it('stdin from a pipe has no offset to show', async () => {
    const ck = join(tempDir(), 'ck');
    expect((await runCli([...RECIPE, '--checkpoint', ck], lines(0, 10))).code).toBe(0);
    expect((await runCli(['checkpoint', 'inspect', ck])).stdout).not.toContain('stdin: resumes');
  });
});

describe('a cron run with nothing new leaves the checkpoint as it was', () => {
  it('stdin from a log file: three runs with no new line change no file of the checkpoint nor the output; a new line is a batch again', async () => {
    const d = tempDir();
    const log = join(d, 'access.log');
    const ck = join(d, 'ck');
    const out = join(d, 'web.tsv');
    writeFileSync(log, lines(0, 100));
    const args = [...RECIPE, '--checkpoint', ck, '--output', out];
    expect((await runWithStdinFile(args, log)).code).toBe(0);
    const before = filesOf(ck);
    const output = readFileSync(out, 'utf8');
    expect(Object.keys(before).sort()).toEqual(['commits/0.json', 'metadata.json', 'offsets/0.json', 'state/0.json']);
    for (let i = 0; i < 3; i++) {
      const idle = await runWithStdinFile(args, log);
      expect([idle.code, idle.stdout]).toEqual([0, '']);
      expect(filesOf(ck)).toEqual(before);
      expect(readFileSync(out, 'utf8')).toBe(output);
    }
    // Bytes of a line not ended yet are not read either.
    appendFileSync(log, APACHE[100]!.slice(0, 20));
    expect((await runWithStdinFile(args, log)).code).toBe(0);
    expect(filesOf(ck)).toEqual(before);
    appendFileSync(log, APACHE[100]!.slice(20) + '\n' + lines(101, 150));
    expect((await runWithStdinFile(args, log)).code).toBe(0);
    expect(Object.keys(filesOf(ck))).toEqual(expect.arrayContaining(['commits/1.json', 'offsets/1.json', 'state/1.json']));
    // The answer is the one of a run that had the 150 lines at once.
    const whole = join(d, 'whole.log');
    writeFileSync(whole, lines(0, 150));
    expect((await runWithStdinFile([...RECIPE, '--checkpoint', join(d, 'ck-whole'), '--output', join(d, 'whole.tsv')], whole)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(d, 'whole.tsv'), 'utf8'));
  });

  it('a run that read only bad input still logs its batch (the bytes read and the count are kept)', async () => {
    const d = tempDir();
    const log = join(d, 'access.log');
    const ck = join(d, 'ck');
    writeFileSync(log, 'a\n');
    const args = ['--once', '--max-line-bytes', '10', '--count', '--format', 'tsv', '--checkpoint', ck];
    expect((await runWithStdinFile(args, log)).stdout).toBe('1\n');
    appendFileSync(log, 'much too long for ten bytes\n');
    const r = await runWithStdinFile(args, log);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('exceeds --max-line-bytes 10');
    expect(Object.keys(filesOf(ck))).toEqual(expect.arrayContaining(['commits/1.json', 'offsets/1.json', 'state/1.json']));
    // The next run does not read the line again.
    const after = await runWithStdinFile(args, log);
    expect([after.code, after.stderr]).toEqual([0, 'dstream: checkpoint: restored state after batch 1\n']);
  });

  it('--watch DIR --once: a run with no new file changes nothing in the checkpoint', async () => {
    const d = tempDir();
    const inDir = join(d, 'in');
    const ck = join(d, 'ck');
    mkdirSync(inDir);
    writeFileSync(join(inDir, 'a.log'), '1\n2\n3\n');
    const args = ['--watch', inDir, '--once', '--settle', '0', '--checkpoint', ck, '--count', '--format', 'tsv'];
    expect((await runCli(args)).stdout).toBe('3\n');
    const before = filesOf(ck);
    const idle = await runCli(args);
    expect([idle.code, idle.stdout]).toEqual([0, '']);
    expect(filesOf(ck)).toEqual(before);
    writeFileSync(join(inDir, 'b.log'), '4\n');
    expect((await runCli(args)).stdout).toBe('1\n');
    expect(filesOf(ck)).not.toEqual(before);
  });
});
