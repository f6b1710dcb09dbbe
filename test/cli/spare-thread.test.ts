/**
 * The spare `--workers` thread started before the CLI is loaded (src/cli/start.cts `spareThread`,
 * built to dist/cli/start.cjs): started only for a job on a regular file big enough for threads
 * with two cores, never for `--workers 1`, a subcommand, a pipe or a small file; and a job that
 * does not use it (one thread after all, a flag error) ends as it would without it. That a job
 * using it answers as one thread does is checked by test/e2e/workers-auto.test.ts, whose files are
 * big enough for it. Each decision runs in a child process whose stdin is the file.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const START = join(ROOT, 'dist/cli/start.cjs');
const { SPARE_MIN_BYTES } = createRequire(import.meta.url)(START) as typeof import('../../src/cli/start.cjs');
const dir = mkdtempSync(join(tmpdir(), 'dstream-spare-'));
const BIG = join(dir, 'access-big.log');
const SMALL = join(dir, 'access.log');
const twoCores = cpus().length >= 2;

beforeAll(() => {
  const log = readFileSync(join(ROOT, 'data/elastic-examples/apache_logs'), 'utf8');
  writeFileSync(BIG, log.repeat(Math.ceil(SPARE_MIN_BYTES / Buffer.byteLength(log))));
  writeFileSync(SMALL, log);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `spareThread(argv)` gives in a process whose stdin is `file` ('pipe': a pipe): 'thread' or 'none'. */
function decide(argv: string[], file: string | 'pipe'): string {
  const code = `const take = require(${JSON.stringify(START)}).spareThread(${JSON.stringify(argv)}, ${JSON.stringify(join(ROOT, 'dist/bundle'))});
const t = take(); const again = take();
process.stdout.write(t ? (again ? 'twice' : 'thread') : 'none'); if (t) t.terminate();`;
  const fd = file === 'pipe' ? 'pipe' : openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, ['-e', code], { stdio: [fd, 'pipe', 'pipe'], input: file === 'pipe' ? 'x\n' : undefined, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout;
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

describe('spare thread at start-up', () => {
  it('the big file is big enough', () => {
    expect(readFileSync(BIG).length).toBeGreaterThanOrEqual(SPARE_MIN_BYTES);
  });

  it.skipIf(!twoCores)('is started for a job on a big regular file, and handed out once', () => {
    expect(decide(['--count'], BIG)).toBe('thread');
    expect(decide(['--workers', '2', '--count'], BIG)).toBe('thread');
  });

  it.each([
    ['--workers 1', ['--workers', '1', '--count'], BIG],
    ['--workers=1', ['--workers=1', '--count'], BIG],
    ['a subcommand', ['checkpoint', 'inspect', dir], BIG],
    ['--checkpoint (one thread)', ['--checkpoint', dir, '--once', '--count'], BIG],
    ['--checkpoint=DIR (one thread)', [`--checkpoint=${dir}`, '--once', '--count'], BIG],
    ['no arguments', [], BIG],
    ['a small file', ['--count'], SMALL],
    ['a pipe', ['--count'], 'pipe'],
  ])('is not started for %s', (_name, argv, file) => {
    expect(decide(argv as string[], file)).toBe('none');
  });

  it.skipIf(!twoCores)('is started for a job that then runs in one thread (--dead-letter), which answers and exits as without it', async () => {
    expect(decide(['--dead-letter', join(dir, 'dead'), '--count'], BIG)).toBe('thread');
    const r = await runWithStdinFile(['--count', '--format', 'tsv', '--dead-letter', join(dir, 'dead')], BIG);
    const lines = readFileSync(BIG, 'utf8').split('\n').length - 1;
    expect(r).toMatchObject({ code: 0, stdout: `${lines}\n`, stderr: '' });
  });

  it('a flag error on a big file: one line, exit 2', async () => {
    const r = await runWithStdinFile(['--count', '--window', 'soon'], BIG);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
