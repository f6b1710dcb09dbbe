/**
 * plan/: a JobPlan is validated when it is made, immutable, and carries one
 * fingerprint that does not change between dstream versions for the same
 * flags (checkpoints written before stay usable); the `--workers` split is a
 * pure function of the operators.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { batchAlignMs, defaultCheckpointIntervalMs, planJob, type JobPlanOptions } from '../../src/plan/job-plan.js';
import { explicitBatches, isBoundedInput, checkWorkerInput, type InputFlags } from '../../src/plan/input-plan.js';
import { checkSettings, type OperatorFlag } from '../../src/plan/pipeline.js';
import { splitPipeline } from '../../src/plan/worker-split.js';

const MAP: OperatorFlag = { op: 'map', source: 'l => l.split(" ")[0]' };
const EVENT_TIME: OperatorFlag = { op: 'event-time', source: 'l => l.t' };
const COUNT_BY_VALUE: OperatorFlag = { op: 'count-by-value' };
const WINDOW_1M: OperatorFlag = { op: 'window', lengthMs: 60_000, text: '1m' };

function options(o: Partial<JobPlanOptions> = {}): JobPlanOptions {
  return { batchIntervalMs: 1000, operators: [MAP, COUNT_BY_VALUE], watermarkDelayMs: 0, maxLineBytes: 1 << 20, ...o };
}

const STDIN: InputFlags = { stdin: true, connect: [], listen: [], watch: [], once: false };

describe('planJob', () => {
  it('gives the steps, the aggregation, the window and the default checkpoint interval', () => {
    const plan = planJob(options({ operators: [MAP, EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M] }));
    expect(plan.steps).toEqual([MAP, EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M]);
    expect(plan.aggregation).toEqual({ index: 2, step: COUNT_BY_VALUE });
    expect(plan.window).toEqual(WINDOW_1M);
    expect(plan.eventTime).toBe(true);
    expect(plan.checkpointIntervalMs).toBe(60_000); // a tumbling event-time window of 1m slides by 1m
    expect(planJob(options()).checkpointIntervalMs).toBe(10_000);
    expect(planJob(options({ checkpointIntervalMs: 3000 })).checkpointIntervalMs).toBe(3000);
  });

  it('is immutable, and does not share the caller\'s operator objects', () => {
    const ops = [{ ...MAP }, { ...COUNT_BY_VALUE }];
    const plan = planJob(options({ operators: ops }));
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.steps)).toBe(true);
    expect(Object.isFrozen(plan.steps[0])).toBe(true);
    expect(Object.isFrozen(plan.description)).toBe(true);
    expect(() => (plan.steps as OperatorFlag[]).push(MAP)).toThrow(TypeError);
    ops.push(WINDOW_1M);
    expect(plan.steps).toHaveLength(2);
  });

  it('refuses, with the flag named, settings no operator uses', () => {
    const cases: [Partial<JobPlanOptions>, string][] = [
      [{ watermarkDelayMs: 5000 }, '--watermark needs --event-time'],
      [{ timezone: 'Europe/Paris' }, '--timezone needs --event-time'],
      [{ outputMode: 'update' }, '--output-mode applies to windowed and stateful operators (--window, --session-window, --update-state-by-key, --map-with-state); there is none'],
      [{ allowedLatenessMs: 1000 }, '--allowed-lateness applies to event-time windows; there is none'],
      [{ stateTimeoutMs: 1000 }, '--state-timeout applies to --update-state-by-key and --map-with-state; there is none'],
      [{ maxKeys: 10 }, '--max-keys applies to --update-state-by-key and --map-with-state; there is none'],
      [{ initialState: 'state.json' }, '--initial-state applies to one --update-state-by-key or --map-with-state; there is none'],
      [{ operators: [MAP, { op: 'top', n: 3 }] }, '--top 3 ranks [key, value] pairs, but nothing before it gives them'],
      [{ batchIntervalMs: 0.5 }, 'batch interval must be a positive whole number of ms, got 0.5'],
    ];
    for (const [o, message] of cases) {
      expect(() => planJob(options(o)), message).toThrow(ConfigError);
      expect(() => planJob(options(o))).toThrow(message);
    }
  });

  it('accepts the same settings where an operator uses them', () => {
    expect(() => planJob(options({ operators: [EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M], watermarkDelayMs: 5000, outputMode: 'update', allowedLatenessMs: 1000, timezone: 'UTC' }))).not.toThrow();
    const stateful: OperatorFlag = { op: 'update-state-by-key', source: '(v, s) => (s ?? 0) + v.length' };
    expect(() => planJob(options({ operators: [MAP, stateful], stateTimeoutMs: 1000, maxKeys: 10, initialState: 'x' }))).not.toThrow();
    expect(() => checkSettings([stateful, stateful], { watermarkDelayMs: 0, initialState: 'x' })).toThrow('there are 2');
  });

  it('has one fingerprint per pipeline, stable across versions, that ignores --batch in distributed mode', () => {
    const plan = planJob(options());
    expect(plan.description).toEqual({
      batchIntervalMs: 1000, operators: [MAP, COUNT_BY_VALUE], watermarkDelayMs: 0, outputMode: null, allowedLatenessMs: null,
      stateTimeoutMs: null, maxKeys: null, timezone: null, parse: null, delimiter: null, year: null, maxLineBytes: 1 << 20,
    });
    expect(plan.fingerprint).toBe('0d4d5bb41e919e38');
    expect(planJob(options()).fingerprint).toBe(plan.fingerprint);
    expect(planJob(options({ batchIntervalMs: 2000 })).fingerprint).not.toBe(plan.fingerprint);
    const distributed = planJob(options(), 'distributed');
    expect(distributed.fingerprint).toBe('6a69b26050b9ce8f');
    expect(planJob(options({ batchIntervalMs: 2000, maxLineBytes: 10 }), 'distributed').fingerprint).toBe(distributed.fingerprint);
  });
});

describe('plan rules of the input', () => {
  it('defaultCheckpointIntervalMs: the smallest multiple of the slide interval ≥ 10 s', () => {
    expect(defaultCheckpointIntervalMs(3000, [])).toBe(12_000);
    expect(defaultCheckpointIntervalMs(1000, [{ op: 'window', lengthMs: 60_000, slideMs: 7000, text: '1m' }])).toBe(14_000);
    expect(defaultCheckpointIntervalMs(1000, [WINDOW_1M])).toBe(10_000); // processing time: the slide is the batch interval
  });

  it('batchAlignMs: the least common multiple of the batch interval, window lengths and slides', () => {
    expect(batchAlignMs(1000, [MAP])).toBe(1000);
    expect(batchAlignMs(2000, [{ op: 'window', lengthMs: 6000, slideMs: 4000, text: '6s' }])).toBe(12_000);
    expect(explicitBatches({ ...STDIN, batchMarker: '--' }, { batchIntervalMs: 2000, operators: [WINDOW_1M], checkpoint: false })).toEqual({ alignMs: 60_000 });
    expect(explicitBatches(STDIN, { batchIntervalMs: 2000, operators: [], checkpoint: true })).toBeUndefined();
    expect(() => explicitBatches({ ...STDIN, batchMarker: '--' }, { batchIntervalMs: 1000, operators: [], checkpoint: true })).toThrow('--batch-marker cannot be combined with --checkpoint');
  });

  it('isBoundedInput: stdin from a file alone, or --once; never Kafka or --max-rate', () => {
    expect(isBoundedInput(STDIN, true)).toBe(true);
    expect(isBoundedInput(STDIN, false)).toBe(false);
    expect(isBoundedInput({ ...STDIN, watch: ['d'] }, true)).toBe(false);
    expect(isBoundedInput({ ...STDIN, stdin: false, watch: ['d'], once: true }, false)).toBe(true);
    expect(isBoundedInput({ ...STDIN, maxRate: 10 }, true)).toBe(false);
    expect(isBoundedInput({ ...STDIN, kafka: {}, once: true }, false)).toBe(false);
    expect(() => isBoundedInput({ ...STDIN, maxRecordsPerBatch: 5 }, false)).toThrow('--max-records-per-batch cuts bounded input');
  });

  it('checkWorkerInput: stdin from a regular file, no checkpoint, no raw-line outputs', () => {
    const ok = { workers: 2, settings: {}, stdinIsFile: true, checkpoint: false };
    expect(() => checkWorkerInput(STDIN, ok)).not.toThrow();
    expect(() => checkWorkerInput(STDIN, { ...ok, stdinIsFile: false })).toThrow('--workers reads stdin redirected from a file');
    expect(() => checkWorkerInput(STDIN, { ...ok, parseFormat: 'csv' })).toThrow('--workers cannot split CSV input');
    expect(() => checkWorkerInput(STDIN, { ...ok, checkpoint: true })).toThrow('--workers cannot be combined with --checkpoint');
    expect(() => checkWorkerInput(STDIN, { ...ok, late: 'l' })).toThrow('--workers does not keep raw lines');
    expect(() => checkWorkerInput({ ...STDIN, maxRate: 5 }, ok)).toThrow('--workers cannot be combined with --max-rate');
    expect(() => checkWorkerInput(STDIN, { ...ok, settings: { maxKeys: 10 } })).toThrow('--max-keys is not supported with --workers 2: only the one-thread pipeline takes it; run with --workers 1');
  });
});

describe("splitPipeline(ops, 'workers')", () => {
  it('cuts the stateless prefix, the aggregation, its event-time window and the rest', () => {
    const top: OperatorFlag = { op: 'top', n: 3 };
    expect(splitPipeline([MAP, EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M, top], 'workers')).toEqual({
      prefix: [MAP, EVENT_TIME], aggregation: COUNT_BY_VALUE, window: WINDOW_1M, eventTime: true, rest: [top],
    });
    const reduce: OperatorFlag = { op: 'reduce-by-key', source: 'sum' };
    expect(splitPipeline([MAP, reduce], 'workers')).toEqual({ prefix: [MAP], aggregation: reduce, window: undefined, eventTime: false, rest: [] });
    // A window not right after the aggregation is part of the rest.
    expect(splitPipeline([COUNT_BY_VALUE, MAP, WINDOW_1M], 'workers').rest).toEqual([MAP, WINDOW_1M]);
  });

  it('refuses what the merge cannot reproduce, naming it', () => {
    expect(() => splitPipeline([MAP], 'workers')).toThrow('--workers needs stateless operators (--map, --flat-map, --filter, --event-time) followed by --count');
    expect(() => splitPipeline([{ op: 'transform', source: 'r => r' }, COUNT_BY_VALUE], 'workers')).toThrow('--workers needs stateless operators');
    expect(() => splitPipeline([MAP, COUNT_BY_VALUE, WINDOW_1M], 'workers')).toThrow('--workers supports event-time windows only');
    expect(() => splitPipeline([EVENT_TIME, COUNT_BY_VALUE, { op: 'window', lengthMs: 3_600_000, text: '1h' }], 'workers', 'Europe/Paris')).toThrow('--workers does not support windows aligned to --timezone');
    expect(() => splitPipeline([EVENT_TIME, COUNT_BY_VALUE, { op: 'session-window', gapMs: 1000, text: '1s' }], 'workers')).toThrow('--workers does not support sessions or state across batches');
  });
});

describe("splitPipeline(ops, 'distributed')", () => {
  it('cuts the stateless prefix with event time, the aggregation and its window', () => {
    expect(splitPipeline([MAP, EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M], 'distributed')).toEqual({ prefix: [MAP, EVENT_TIME], aggregation: COUNT_BY_VALUE, window: WINDOW_1M, eventTime: true, top: undefined, rest: [] });
    expect(splitPipeline([EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M, { op: 'top', n: 2 }], 'distributed').top).toBe(2);
    // Stateless operators alone: stage 1 only.
    expect(splitPipeline([MAP, { op: 'filter', source: 'r => r' }], 'distributed')).toEqual({ prefix: [MAP, { op: 'filter', source: 'r => r' }], eventTime: false, rest: [] });
  });

  it('refuses the rest, saying what is missing', () => {
    const shape = 'distributed mode runs: stateless operators (--map, --flat-map, --filter, --event-time) alone, or then --update-state-by-key, or with --event-time then --count, --count-by-value, --reduce or --reduce-by-key, then --window LENGTH [--slide S], then optionally --top N';
    expect(() => splitPipeline([MAP, { op: 'transform', source: 'r => r' }], 'distributed')).toThrow("distributed mode: --transform is not supported: it sees a whole batch");
    expect(() => splitPipeline([MAP, COUNT_BY_VALUE, MAP], 'distributed')).toThrow(`${shape} (--map after --count-by-value is not supported`);
    const noEventTime = `${shape} (--event-time is missing: workers on other machines have other clocks, so windows follow event time; add --event-time FN before --count-by-value)`;
    expect(() => splitPipeline([MAP, COUNT_BY_VALUE, WINDOW_1M], 'distributed')).toThrow(noEventTime);
    // Two faults: the operator after --top is named first (it was "--event-time is missing").
    expect(() => splitPipeline([MAP, COUNT_BY_VALUE, WINDOW_1M, { op: 'top', n: 2 }, MAP], 'distributed')).toThrow(`${shape} (--map after the --top is not supported: a window's rows are spread over key partitions and only dstream cat sees them together)`);
    expect(() => splitPipeline([EVENT_TIME, COUNT_BY_VALUE], 'distributed')).toThrow(`${shape} (no --window after --count-by-value)`);
    expect(() => splitPipeline([EVENT_TIME, { op: 'top', n: 2 }], 'distributed')).toThrow(`${shape} (--top has no --count, --count-by-value, --reduce or --reduce-by-key before it)`);
    expect(() => splitPipeline([EVENT_TIME, WINDOW_1M, COUNT_BY_VALUE], 'distributed')).toThrow(`${shape} (--window before --count-by-value)`);
    expect(() => splitPipeline([EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M, { op: 'top', n: 2 }], 'distributed')).not.toThrow();
    expect(() => splitPipeline([EVENT_TIME, COUNT_BY_VALUE, WINDOW_1M, MAP], 'distributed')).toThrow(`${shape} (--map after the window is not supported: a window's rows are spread over key partitions and only dstream cat sees them together)`);
  });
});
