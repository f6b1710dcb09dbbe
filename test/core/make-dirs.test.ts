/** `makeDirs` (core/make-dirs.ts): mkdir -p one level at a time, which fails where Node's recursive mkdir hangs. */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/core/make-dirs.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-make-dirs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('creates missing parents with the mode, and an existing directory is fine', () => {
    const p = join(dir, 'a', 'b', 'c');
    makeDirs(p, 0o700);
    makeDirs(p, 0o700);
    expect(statSync(p).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
  });

  it('refuses a level that is a file (ENOTDIR)', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(() => makeDirs(join(dir, 'file', 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it.skipIf(!existsSync('/proc/self'))('a path under /proc fails (ENOENT) instead of looping', () => {
    expect(() => makeDirs('/proc/dstream-test/ck')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it.skipIf(!existsSync('/proc/self'))('--checkpoint and --output-dir under /proc: one line, exit 2, before any input is read', async () => {
    for (const flag of [['--checkpoint', '/proc/dstream-ck'], ['--output-dir', '/proc/dstream-od']]) {
      const r = await runCli(['--count', ...flag], 'x\n');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/ENOENT/);
    }
  });
});
