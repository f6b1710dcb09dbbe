/**
 * Soak (issue 15, item 7), run only with DSTREAM_LONG=1 (`npm run test:long`):
 * 60 s of a `--listen` service job — 1 s batches, a 10 s / 1 s windowed
 * count-by-value over 100,000 keys, a checkpoint every batch — fed 20,000
 * lines/s (bench/soak.js). After a 20 s warm-up, with the state constant, the
 * heap used must not keep growing: its least-squares slope stays under
 * 1 MB/s. The exact guard of the leak found (slid-out panes kept) is
 * test/windows/window-memory.test.ts; this one watches the whole process.
 */
import { describe, expect, it } from 'vitest';
import { soak } from '../../bench/soak.js';
import { BIN } from '../helpers/run-cli.js';

describe.skipIf(process.env.DSTREAM_LONG !== '1')('soak (DSTREAM_LONG=1)', () => {
  it('60 s at 20,000 lines/s over 100,000 keys: heap used does not keep growing', async () => {
    const r = await soak({ seconds: 60, warmupS: 20, rate: 20_000, keys: 100_000, dstream: BIN });
    console.log(`soak 60 s: heap slope ${r.heapSlopeMBs.toFixed(3)} MB/s, RSS slope ${r.rssSlopeMBs.toFixed(3)} MB/s, heap floor growth ${r.heapFloorGrowthMB.toFixed(1)} MB, state ${r.stateKeys.join('–')} keys, ${r.linesSent} lines`);
    expect(r.code).toBe(0);
    expect(r.stateKeys[1]).toBeGreaterThan(80_000);
    expect(r.heapSlopeMBs).toBeLessThan(1);
  }, 180_000);
});
