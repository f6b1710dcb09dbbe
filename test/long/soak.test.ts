/**
 * Soak (issue 15, item 7), run only with DSTREAM_LONG=1 (`npm run test:long`):
 * a `--listen` service job — 1 s batches, a 10 s / 1 s windowed
 * count-by-value over 100,000 keys, a checkpoint every batch — fed 20,000
 * lines/s (bench/soak.js) for DSTREAM_SOAK_SECONDS (default 180). After a
 * warm-up of a third of that, with the state constant, the heap used must not
 * keep growing: its least-squares slope stays under 0.8 MB/s (measured on a
 * loaded 2-core machine: 2.1 MB/s before the fix, -0.04 after; over only 60 s
 * the garbage collector's sawtooth alone gave 1.3 MB/s, so 60 s is too short
 * to tell). The exact guard of the leak found (slid-out panes kept) is
 * test/windows/window-memory.test.ts; this one watches the whole process.
 */
import { describe, expect, it } from 'vitest';
import { soak } from '../../bench/soak.js';
import { BIN } from '../helpers/run-cli.js';

const SECONDS = Number(process.env.DSTREAM_SOAK_SECONDS ?? 180);

describe.skipIf(process.env.DSTREAM_LONG !== '1')('soak (DSTREAM_LONG=1)', () => {
  it(`${SECONDS} s at 20,000 lines/s over 100,000 keys: heap used does not keep growing`, async () => {
    const r = await soak({ seconds: SECONDS, warmupS: Math.floor(SECONDS / 3), rate: 20_000, keys: 100_000, dstream: BIN });
    console.log(`soak ${SECONDS} s: heap slope ${r.heapSlopeMBs.toFixed(3)} MB/s, RSS slope ${r.rssSlopeMBs.toFixed(3)} MB/s, heap floor growth ${r.heapFloorGrowthMB.toFixed(1)} MB, state ${r.stateKeys.join('–')} keys, ${r.linesSent} lines`);
    expect(r.code).toBe(0);
    expect(r.stateKeys[1]).toBeGreaterThan(80_000);
    expect(r.heapSlopeMBs).toBeLessThan(0.8);
  }, (SECONDS + 120) * 1000);
});
