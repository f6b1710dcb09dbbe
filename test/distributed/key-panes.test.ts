/**
 * `KeyPanes` (key-panes.ts), the window algebra of a key partition on both
 * logs (Redis redis/stage2.ts, Kafka kafka/units.ts `KeyUnit`): messages from
 * several input partitions, interleaved, some delivered twice (a replayed
 * batch), closed progressively at the minimum watermark, give the rows of a
 * naive count per window over each message once (fast-check), and
 * the skip rule keeps what each log sends more than once apart from what is new.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { KeyPanes, type PartialsMessage } from '../../src/distributed/key-panes.js';
import { packByKeyPartition } from '../../src/distributed/partials.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { windowSpec } from '../../src/windows/spec.js';

const PANE_MS = 1000;
const context = (inputPartitions: number) => ({
  spec: windowSpec(PANE_MS, PANE_MS, PANE_MS, true), allowedLatenessMs: 0, inputPartitions, top: undefined,
  mergeReducer: () => new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'sum' }, new IssueLog(), false),
});

/** Message `i` of source `s`: counts of keys in panes ≥ i (so nothing is ever late), watermark at pane i's start. */
function message(s: number, i: number, counts: [number, string, number][], eof: boolean): PartialsMessage {
  const byPane = new Map<number, [unknown, unknown][]>();
  for (const [dp, k, v] of counts) {
    const pane = i + dp;
    const list = byPane.get(pane) ?? [];
    byPane.set(pane, list);
    const e = list.find((x) => x[0] === k);
    if (e) e[1] = (e[1] as number) + v;
    else list.push([k, v]);
  }
  return { source: s, seq: i + 1, watermarkMs: eof ? Infinity : i * PANE_MS, eof, idle: false, data: packByKeyPartition([...byPane], 1)[0]! };
}

describe('KeyPanes: one key partition on any log', () => {
  it('closes at the minimum watermark, applies a re-emitted message once, and equals a naive count per window', () => {
    const counts = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 5 })), { maxLength: 4 });
    fc.assert(fc.property(
      fc.array(fc.array(counts, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (sources, order, replays) => {
        // Each source's messages in order (the last one ends it), interleaved as `order` picks, with re-emissions after.
        const queues = sources.map((batches, s) => batches.map((c, i) => message(s, i, c, i === batches.length - 1)));
        const sent: PartialsMessage[] = [];
        const next = queues.map(() => 0);
        for (let k = 0; sent.length < queues.flat().length; k++) {
          const open = queues.map((_, s) => s).filter((s) => next[s]! < queues[s]!.length);
          const s = open[(order[k] ?? 0) % open.length]!;
          sent.push(queues[s]![next[s]!++]!);
        }
        for (const r of replays) {
          const j = r % sent.length; // message j delivered again, somewhere after itself
          sent.splice(j + 1 + ((r >> 3) % (sent.length - j)), 0, sent[j]!);
        }
        const panes = new KeyPanes(context(sources.length));
        const rows: string[] = [];
        let skipped = 0;
        sent.forEach((m, i) => {
          if (panes.receive(m, `${i + 1}-0`) === null) skipped++;
          for (const w of panes.close().windows) for (const r of w.records) rows.push(`${w.startMs} ${JSON.stringify(r)}`);
        });
        const naive = new Map<string, number>();
        for (const batches of sources) {
          for (const [i, c] of batches.entries()) for (const [dp, k, v] of c) naive.set(`${(i + dp) * PANE_MS} ${k}`, (naive.get(`${(i + dp) * PANE_MS} ${k}`) ?? 0) + v);
        }
        const expected = [...naive].sort(([a], [b]) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]) || a.localeCompare(b)).map(([wk, v]) => {
          const [w, k] = wk.split(' ');
          return `${w} ${JSON.stringify([k, v])}`;
        });
        expect(rows).toEqual(expected);
        expect(skipped).toBe(sent.length - queues.flat().length);
        expect(panes.close().done).toBe(true);
      },
    ));
  });

  it('takes an idle marker or an end at the same seq as the batch before it (Kafka), skips the same message again (Redis)', () => {
    const panes = new KeyPanes(context(1));
    const data = packByKeyPartition([[5, [['a', 1]]]], 1)[0]!;
    const m = { source: 0, seq: 3, watermarkMs: 1000, eof: false, idle: false, data };
    expect(panes.receive(m, '1-0')).toBe(0);
    expect(panes.receive(m, '2-0')).toBeNull();
    expect(panes.receive({ ...m, seq: 2 }, '3-0')).toBeNull();
    expect(panes.receive({ ...m, idle: true, data: '' }, '4-0')).toBe(0);
    expect(panes.sources.get(0)!.idle).toBe(true);
    expect(panes.receive({ ...m, watermarkMs: Infinity, eof: true, data: '' }, '5-0')).toBe(0);
    expect(panes.close()).toEqual({ windows: [{ startMs: 5000, endMs: 6000, records: [['a', 1]] }], watermarkMs: Infinity, done: true });
    expect(panes.storedSources()).toEqual({ 0: { seq: 3, watermarkMs: null, eof: true, idle: false } });
  });
});
