/**
 * Kafka stage 1's `--idle-timeout` (kafka/step.ts) on a fake clock: an input partition without
 * input is declared idle once the clock has moved `idleTimeoutMs` past the first empty read, not
 * before, and only once; no broker (the log and the member are fakes).
 */
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import type { HeldUnits } from '../../src/distributed/kafka/held.js';
import type { KafkaJobMeta, KafkaLog } from '../../src/distributed/kafka/log.js';
import type { Member } from '../../src/distributed/kafka/member.js';
import { Steps } from '../../src/distributed/kafka/step.js';
import { InputUnit, type OutMessage, type UnitContext } from '../../src/distributed/kafka/units.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { windowSpec } from '../../src/windows/spec.js';

const combiner = {
  prefix: [{ op: 'event-time', source: 'l => Number(l.split(" ")[0])' }, { op: 'map', source: 'l => l.split(" ")[1]' }],
  aggregation: { op: 'count-by-value' }, paneMs: 10, watermarkDelayMs: 5, onError: 'skip',
  lateness: { lengthMs: 10, slideMs: 10, watermarkDelayMs: 5, allowedLatenessMs: 0, floorMs: -Infinity },
};

function setting(said: string[]) {
  const ctx = {
    combiner, inputPartitions: 1, keyPartitions: 2, allowedLatenessMs: 0, watermarkDelayMs: 5, spec: windowSpec(10, 10, 10, true),
    mergeReducer: () => new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'count' }, new IssueLog(), false),
    say: (m: string) => said.push(m), onIssue: () => undefined,
  } as unknown as UnitContext;
  const unit = new InputUnit(ctx, 0, 7, undefined, Infinity, { repartition: 'rep' });
  const held = { inputs: new Map([[0, unit]]), keys: new Map(), quietSince: new Map<number, number>(), gen1: 1 } as unknown as HeldUnits;
  /** Every read: no records, the next offset where it started (a quiet live partition). */
  const log = { readMany: async (_t: string, wants: { from: number }[]) => wants.map((w) => ({ records: [], next: w.from })) } as unknown as KafkaLog;
  const commits: { messages: OutMessage[]; offsets: [number, number][] }[] = [];
  const member = { commit: async (messages: OutMessage[], offsets: [number, number][]) => void commits.push({ messages, offsets }) } as unknown as Member;
  const meta: KafkaJobMeta = { version: 1, input: 'in', inputPartitions: 1, keyPartitions: 2, pipeline: '{}', output: 'out', endOffsets: null };
  return { ctx, unit, held, log, commits, member, meta };
}

describe('Kafka stage 1: --idle-timeout on an injected clock', () => {
  it('declares a quiet input partition idle exactly when the clock reaches the timeout, once', async () => {
    const said: string[] = [];
    const { ctx, unit, held, log, commits, member, meta } = setting(said);
    let now = 1_000_000;
    const steps = new Steps(log, ctx, held, { meta, names: { repartition: 'rep', changelog: 'cl' }, idleTimeoutMs: 5000, outputPartitions: () => 1, now: () => now, worker: 'w1', members: [member, member] });

    expect(await steps.step1(100)).toBe(false); // the first empty read starts the quiet time
    now += 4999;
    expect(await steps.step1(100)).toBe(false);
    expect(said).toEqual([]);
    expect(commits).toEqual([]);

    now += 1;
    expect(await steps.step1(100)).toBe(true);
    expect(said).toEqual(['dstream: input partition 0 idle for 5000 ms: windows no longer wait for it (--idle-timeout)']);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.offsets).toEqual([[0, 7]]);
    const state = commits[0]!.messages.find((m) => m.topic === 'cl')!;
    expect(JSON.parse(state.value)).toMatchObject({ idle: true, eof: false, lines: 0 });
    expect(commits[0]!.messages.filter((m) => m.topic === 'rep').map((m) => m.partition)).toEqual([0, 1]); // the idle marker to every key partition
    expect(unit.state.idle).toBe(true);

    now += 60_000; // idle already: nothing more to say or write
    expect(await steps.step1(100)).toBe(false);
    expect(said).toHaveLength(1);
    expect(commits).toHaveLength(1);
  });

  it('never declares idle without --idle-timeout, however far the clock moves', async () => {
    const said: string[] = [];
    const { ctx, held, log, commits, member, meta } = setting(said);
    let now = 0;
    const steps = new Steps(log, ctx, held, { meta, names: { repartition: 'rep', changelog: 'cl' }, idleTimeoutMs: null, outputPartitions: () => 1, now: () => now, worker: 'w1', members: [member, member] });
    for (let i = 0; i < 3; i++) {
      expect(await steps.step1(100)).toBe(false);
      now += 3_600_000;
    }
    expect(said).toEqual([]);
    expect(commits).toEqual([]);
  });
});
