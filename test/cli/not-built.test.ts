/**
 * bin/dstream.js in a checkout that was not built (`npm ci` alone: no dist/): one line naming the
 * command to run, exit 1, not a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-not-built-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('says to run npm run build, exit 1', () => {
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'dstream.js'), '--count'], { input: 'x\n', encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`dstream: not built: run \`npm run build\` in ${dir} first\n`);
});
