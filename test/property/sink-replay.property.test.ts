/**
 * Sinks against a naive model of a crash: batches are output by the engine's
 * protocol (offset log with the sink's position → rows → `addBatch` → commit
 * log); the process dies at any step of any batch; the next run recovers from
 * any snapshot at or before the last commit, re-running the logged batches
 * after it, then goes on. `--output FILE` must then hold every batch exactly
 * once, in order; stdout every batch at least once, and only the batch in
 * flight twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileOutput } from '../../src/sinks/durable-output.js';
import { StreamOutput } from '../../src/sinks/output.js';
import { sinkLogOf, type LoggedBatch, type Sink } from '../../src/sinks/sink.js';

type Step = 'after-offsets' | 'after-output';

/** A crash scenario: the rows of each batch, the batch and step where the first run dies, and the snapshot recovery starts from. */
const scenario = fc.record({
  batches: fc.array(fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 4 }), { minLength: 1, maxLength: 8 }),
  crashAt: fc.nat(),
  step: fc.constantFrom<Step>('after-offsets', 'after-output'),
  snapshotBack: fc.nat(),
});

/**
 * Runs the scenario on sinks made by `open` (one per run), as the engine would.
 * @returns the log the first run left.
 */
function play(s: { batches: string[][]; crashAt: number; step: Step; snapshotBack: number }, open: () => Sink): void {
  const n = s.batches.length;
  const crash = s.crashAt % n;
  const log: LoggedBatch[] = [];
  const runBatch = (sink: Sink, id: number, logNew: boolean): boolean => {
    if (logNew) log[id] = { offsets: { id, outputs: { [sink.name]: sink.position() } }, commit: null };
    if (logNew && id === crash && s.step === 'after-offsets') return false;
    for (const row of s.batches[id]!) sink.write(row + '\n');
    sink.addBatch(id);
    if (logNew && id === crash && s.step === 'after-output') return false;
    log[id]!.commit = { id };
    return true;
  };
  const first = open();
  for (let id = 0; id < n && runBatch(first, id, true); id++);
  // The next run: the newest snapshot is of a committed batch at or before the crash (−1: none).
  const lastCommitted = log.filter((b) => b.commit !== null).length - 1;
  const snapshot = lastCommitted - (lastCommitted < 0 ? 0 : s.snapshotBack % (lastCommitted + 2));
  const second = open();
  const rerun = log.slice(snapshot + 1);
  second.recover(sinkLogOf(rerun, second.name));
  for (const b of rerun) runBatch(second, b.offsets.id, false);
  for (let id = crash + 1; id < n; id++) runBatch(second, id, true);
}

describe('sinks after a crash at any step, recovered from any snapshot', () => {
  it('--output FILE holds every batch exactly once, in order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-sink-prop-'));
    let k = 0;
    try {
      fc.assert(fc.property(scenario, (s) => {
        const path = join(dir, `out-${k++}`);
        const files: FileOutput[] = [];
        play(s, () => {
          const f = new FileOutput(path);
          files.push(f);
          return f;
        });
        for (const f of files) f.close();
        expect(readFileSync(path, 'utf8')).toBe(s.batches.flat().map((r) => r + '\n').join(''));
      }), { numRuns: 200 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stdout holds every batch, batches committed before the crash once, only the batch in flight possibly twice', () => {
    fc.assert(fc.property(scenario, (s) => {
      let text = '';
      const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
      play(s, () => new StreamOutput(stream, 8));
      const crash = s.crashAt % s.batches.length;
      const rows = (ids: number[]) => ids.flatMap((id) => s.batches[id]!).map((r) => r + '\n').join('');
      const all = s.batches.map((_, i) => i);
      // The batch in flight is printed again only if it got as far as its output before the crash.
      const twice = s.step === 'after-output' ? [...all.slice(0, crash + 1), ...all.slice(crash)] : all;
      expect(text).toBe(rows(twice));
    }), { numRuns: 200 });
  });
});
