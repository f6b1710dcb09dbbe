/**
 * Every option that changes results is part of the pipeline fingerprint: a
 * checkpoint written with `--parse json` refuses `--parse logfmt` (exit 2,
 * naming the change, before any input is read), as it refuses a changed
 * `--map`; options that only change how results look do not count. The same
 * description and hash serve distributed mode (test/distributed/fingerprint.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeChange, fingerprint, pipelineDescription } from '../../src/plan/fingerprint.js';
import { runCli } from '../helpers/run-cli.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-fingerprint-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const JOB = ['--parse', 'json', '--map', 'r => r.k', '--count-by-value', '--batch', '100ms', '--format', 'tsv'];
const INPUT = '{"k":"a"}\n{"k":"b"}\n{"k":"a"}\n';

describe('pipeline fingerprint (local mode)', () => {
  it('a checkpoint written with --parse json refuses --parse logfmt: exit 2, what changed, nothing read', async () => {
    const ck = join(tmp(), 'ck');
    const first = await runCli([...JOB, '--checkpoint', ck], INPUT);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('a\t2\nb\t1\n');
    const changed = JOB.map((a) => (a === 'json' ? 'logfmt' : a));
    const r = await runCli([...changed, '--checkpoint', ck], 'k=c\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `dstream: --checkpoint ${ck} was written by a different pipeline (--parse: "json" → "logfmt"); restore the old flags, use a new --checkpoint directory, or add --checkpoint-mismatch reset to start over\n`,
    );
  });

  it('each result-changing option is refused by name; --format and --print are not part of it', async () => {
    const ck = join(tmp(), 'ck');
    expect((await runCli([...JOB, '--checkpoint', ck], INPUT)).code).toBe(0);
    const cases: [string[], string][] = [
      [[...JOB, '--delimiter', ';'], '--delimiter: null → ";"'],
      [[...JOB, '--max-line-bytes', '1000'], '--max-line-bytes: 16777216 → 1000'],
      [JOB.map((a) => (a === '100ms' ? '200ms' : a)), '--batch: 100 → 200'],
    ];
    for (const [args, what] of cases) {
      const r = await runCli([...args, '--checkpoint', ck], '');
      expect(r.code, what).toBe(2);
      expect(r.stderr.split('\n')[0]).toContain(`different pipeline (${what})`);
    }
    const shown = await runCli([...JOB.filter((a) => a !== '--format' && a !== 'tsv'), '--format', 'json', '--print', '3', '--checkpoint', ck], '');
    expect(shown.code).toBe(0);
  });

  it('one description for both modes: distributed leaves out --batch and --max-line-bytes', () => {
    const o = {
      batchIntervalMs: 1000, operators: [{ op: 'count' as const }], watermarkDelayMs: 60_000, maxLineBytes: 1024,
      parse: { format: 'csv', delimiter: ';' }, timezone: 'Europe/Paris',
    };
    expect(pipelineDescription(o, 'local')).toEqual({
      batchIntervalMs: 1000, operators: [{ op: 'count' }], watermarkDelayMs: 60_000, outputMode: null, allowedLatenessMs: null,
      stateTimeoutMs: null, maxKeys: null, timezone: 'Europe/Paris', parse: 'csv', delimiter: ';', year: null, maxLineBytes: 1024,
    });
    const d = pipelineDescription(o, 'distributed');
    expect(Object.keys(d)).not.toContain('batchIntervalMs');
    expect(Object.keys(d)).not.toContain('maxLineBytes');
    expect(fingerprint(d)).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint(pipelineDescription({ ...o, batchIntervalMs: 5000 }, 'distributed'))).toBe(fingerprint(d));
    expect(fingerprint(pipelineDescription({ ...o, parse: { format: 'tsv' } }, 'distributed'))).not.toBe(fingerprint(d));
    expect(describeChange(d, pipelineDescription({ ...o, parse: { format: 'csv' } }, 'distributed'))).toBe('--delimiter: ";" → null');
  });
});
