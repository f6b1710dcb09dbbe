/**
 * `dstream_checkpoint_duration_seconds` and `dstream_checkpoint_failures_total`
 * move: every offset, commit and snapshot write is observed, a failed one is
 * counted; and a real job with --checkpoint --metrics-port shows them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/checkpoint/checkpoint-store.js';
import { DStreamMetrics } from '../../src/observe/metrics.js';
import { startCli } from '../helpers/live-cli.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-ck-metrics-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The values of `names` in a Prometheus text body. */
function values(text: string, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name && names.includes(name)) out[name] = Number(value);
  }
  return out;
}

const NAMES = ['dstream_checkpoint_duration_seconds_count', 'dstream_checkpoint_failures_total'];

describe('checkpoint metrics', () => {
  it('every checkpoint write is observed; a failed one is counted once', async () => {
    const dir = join(tmp(), 'ck');
    const store = CheckpointStore.open(dir, { description: { pipeline: 'test' }, fingerprint: 'test' });
    cleanup.push(() => store.close());
    const metrics = new DStreamMetrics({ defaultMetrics: false });
    store.onWrite = (ms, failed) => metrics.observeCheckpoint(ms, failed);
    expect(values(await metrics.text(), NAMES)).toEqual({ dstream_checkpoint_duration_seconds_count: 0, dstream_checkpoint_failures_total: 0 });

    store.writeOffsets({ id: 0, timeMs: 1000, sources: {}, outputs: {} });
    store.writeSnapshot(0, { n: 1 });
    store.writeCommit({ id: 0, timeMs: 1000, sinks: {}, snapshot: 0 });
    expect(values(await metrics.text(), NAMES)).toEqual({ dstream_checkpoint_duration_seconds_count: 3, dstream_checkpoint_failures_total: 0 });

    // offsets/ replaced by a file: the next offset write fails (ENOTDIR, even for root).
    rmSync(join(dir, 'offsets'), { recursive: true });
    writeFileSync(join(dir, 'offsets'), '');
    expect(() => store.writeOffsets({ id: 1, timeMs: 2000, sources: {}, outputs: {} })).toThrow(/cannot write .*offsets\/1\.json/);
    expect(values(await metrics.text(), NAMES)).toEqual({ dstream_checkpoint_duration_seconds_count: 4, dstream_checkpoint_failures_total: 1 });
  });

  it('a job with --checkpoint --metrics-port: the duration histogram counts its writes', async () => {
    const dir = tmp();
    const { child, until, out, err, exited } = startCli(['--count', '--format', 'tsv', '--batch', '100ms', '--checkpoint', join(dir, 'ck'), '--metrics-port', '0']);
    cleanup.push(() => child.kill('SIGKILL'));
    child.stdin.write('a\nb\n');
    // The third batch's output: batches 0 and 1 are committed by then (offsets, snapshot, commit each).
    await until(() => out().split('\n').length > 3 && /metrics on (\S+)/.test(err()));
    const url = /metrics on (\S+)/.exec(err())![1]!;
    const v = values(await (await fetch(url)).text(), NAMES);
    expect(v.dstream_checkpoint_failures_total).toBe(0);
    expect(v.dstream_checkpoint_duration_seconds_count).toBeGreaterThanOrEqual(5);
    child.stdin.end();
    await exited;
    // Every record counted once, in whichever batch the clock put it (a loaded machine may cut an empty batch first).
    expect(out().split('\n').filter(Boolean).reduce((a, l) => a + Number(l), 0)).toBe(2);
  });
});
