/**
 * README "From awk, Miller and Spark": every recipe block is run as written — the awk or Miller
 * line and the dstream line, in a shell at the repository root, `dstream` being the built
 * binary — and their outputs must be identical. Skipped when awk or mlr is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';

interface Recipe {
  title: string;
  reference: string;
  dstream: string;
  spark: string;
}

function recipes(): Recipe[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## From awk, Miller and Spark\n')[1]!.split('\n## ')[0]!;
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => {
    const lines = m[1]!.trimEnd().split('\n');
    return {
      title: lines[0]!.replace(/^# /, ''),
      reference: lines.find((l) => /^(awk|mlr) /.test(l))!,
      dstream: lines.find((l) => l.startsWith('dstream '))!,
      spark: lines.find((l) => l.startsWith('# Spark: '))!,
    };
  });
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const bin = mkdtempSync(join(tmpdir(), 'dstream-bin-'));
symlinkSync(BIN, join(bin, 'dstream'));

function sh(command: string): string {
  const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` } });
  expect(r.status, `${command}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('README recipes: awk or Miller and dstream agree', () => {
  const all = recipes();

  it('there are ten, each with a reference, a dstream line and a Spark call', () => {
    expect(all).toHaveLength(10);
    for (const r of all) expect([r.reference, r.dstream, r.spark].every(Boolean), r.title).toBe(true);
  });

  it.each(all.map((r) => [r.title, r] as const))('%s', (_title, r) => {
    if (!has(r.reference.split(' ')[0]!)) return; // awk or mlr not installed
    const expected = sh(r.reference);
    expect(expected.trim()).not.toBe('');
    // A file on stdin is one batch: one answer, whatever the clock.
    expect(sh(r.dstream)).toBe(expected);
  });
});
