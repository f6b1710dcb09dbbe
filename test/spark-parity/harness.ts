/**
 * Spark-style batch tables for the real binary: each case gives the input of
 * every batch and the output expected after every batch, as Spark's
 * `TestSuiteBase.testOperation` does with a `queueStream` and a manual clock.
 * Batches are cut with `--batch-marker`, output is read with `--format json`,
 * and every output record is placed in the batch whose time it carries,
 * counted from the first batch (whose time `--progress-json` tells as `batchTime`).
 *
 * Expected outputs list one array per batch from the first; batches after the
 * input are the final batch at end of input and, for a processing-time window,
 * the next slide boundary at which its last window is output. Trailing empty
 * batches may be left out. Records compare as multisets per batch (Spark's
 * `useSet`) unless `ordered`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

export const MARKER = '@@';

/** One row of a parity table. */
export interface ParityCase {
  /** The Spark test this case re-expresses: suite and test name. */
  spark: string;
  /** What it shows, in our words. */
  name: string;
  /** dstream flags (operators and settings); `FILE:name` is replaced by the path of `files[name]`. */
  args: string[];
  /** Input lines of each batch. */
  batches: string[][];
  /** Output records per batch (`[key, value]` for pairs); a function gets the batch time (ms) of batch `i`. */
  expected: unknown[][] | ((batchTimeMs: (i: number) => number) => unknown[][]);
  /** Compare each batch's records in order (default: as a multiset). */
  ordered?: boolean;
  /** Files to create for the case (e.g. an `--initial-state`), by name. */
  files?: Record<string, string>;
  /** Batch interval (ms), default 1000. */
  batchMs?: number;
  /** Text expected on stderr (default: none). */
  stderr?: string;
}

/** The output of one run, per batch. */
export interface ParityRun {
  batches: unknown[][];
  batchTimeMs: (i: number) => number;
  stderr: string;
  code: number | null;
}

function canonical(records: unknown[], ordered: boolean): string[] {
  const texts = records.map((r) => JSON.stringify(r));
  return ordered ? texts : texts.sort();
}

function trimmed(batches: unknown[][]): unknown[][] {
  const out = batches.slice();
  while (out.length && out[out.length - 1]!.length === 0) out.pop();
  return out;
}

/** Runs `c` on the binary and returns its output per batch. */
export async function runParity(c: ParityCase): Promise<ParityRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-parity-'));
  try {
    const files = Object.fromEntries(Object.entries(c.files ?? {}).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return [name, path];
    }));
    const args = c.args.map((a) => (a.startsWith('FILE:') ? files[a.slice(5)]! : a));
    const progress = join(dir, 'progress.jsonl');
    const batchMs = c.batchMs ?? 1000;
    const input = c.batches.map((b) => b.map((l) => l + '\n').join('') + MARKER + '\n').join('');
    const r = await runCli(['--batch', `${batchMs}ms`, '--batch-marker', MARKER, '--format', 'json', '--progress-json', progress, ...args], input);
    const first = readFileSync(progress, 'utf8').split('\n')[0];
    const t0 = first ? (JSON.parse(first) as { batchTime: number }).batchTime : NaN;
    const batches: unknown[][] = [];
    for (const line of r.stdout.split('\n')) {
      if (line === '') continue;
      const o = JSON.parse(line) as { time: number; key?: unknown; value: unknown };
      const i = (o.time - t0) / batchMs;
      if (!Number.isInteger(i) || i < 0) throw new Error(`output at ${o.time} is not at a batch time after ${t0}: ${line}`);
      while (batches.length <= i) batches.push([]);
      batches[i]!.push('key' in o ? [o.key, o.value] : o.value);
    }
    return { batches, batchTimeMs: (i) => t0 + i * batchMs, stderr: r.stderr, code: r.code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `c` and asserts its output batch by batch (the message names the Spark test and the batch). */
export async function checkParity(c: ParityCase): Promise<void> {
  const run = await runParity(c);
  expect(run.code, run.stderr).toBe(0);
  if (c.stderr === undefined) expect(run.stderr).toBe('');
  else expect(run.stderr).toContain(c.stderr);
  const expected = trimmed(typeof c.expected === 'function' ? c.expected(run.batchTimeMs) : c.expected);
  const got = trimmed(run.batches);
  const ordered = c.ordered ?? false;
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    expect(canonical(got[i] ?? [], ordered), `${c.spark}: batch ${i + 1} of ${n}`).toEqual(canonical(expected[i] ?? [], ordered));
  }
}
