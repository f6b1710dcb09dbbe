/**
 * The stage-2 state of one key partition of an `--update-state-by-key` job,
 * whatever the log (Redis: redis/state-unit.ts `StateUnit`; Kafka:
 * kafka/state-unit.ts): the open batches' values and the keys' state, and the
 * pure steps over them — add a message's values, close the batches every
 * input partition has passed (calling the function; on live input, with the
 * keys each batch changed for the output), snapshot and restore, and the table
 * output at the end. See state-stage.ts for what a batch is.
 */
import { decodeState, encodeState } from '../checkpoint/codec.js';
import { compareKeys } from '../core/compare.js';
import { objectKeyText } from '../operators/keyed-map.js';
import { markState, stateChanged } from '../state/state-change.js';
import type { UpdateStateSettings } from './job-context.js';
import { unpackPartials } from './partials.js';
import { minWatermark, type SourceProgress } from './key-panes.js';
import type { ClosedWindow } from './pane-table.js';

/** A value of a key with its place in the topic: line g, i-th record of the line. */
export type Tagged = [number, number, unknown];

/**
 * A map key for a decoded record key: a string is itself, an object key the text a local run groups it by
 * (`objectKeyText`: `[NaN]`, `[null]` and `[undefined]` are one key, a Set its elements' array), other keys their codec JSON.
 */
export function keyId(key: unknown): string {
  if (typeof key === 'string') return key;
  return typeof key === 'object' && key !== null ? `\u0002${objectKeyText(key)}` : `\u0001${JSON.stringify(encodeState(key))}`;
}

/** Open batch: the first message that gave it values (its offset or id in the log: the replay point), and its values per key. */
interface OpenBatch {
  first: string;
  keys: Map<string, [unknown, Tagged[]]>;
}

/** The snapshot of a key partition's state (JSON of the codec's form). */
interface StateSnapshot {
  /** Batches closed (0 … closed−1). */
  closed: number;
  state: [unknown, unknown][];
}

/** The keys' state and the open batches of one key partition. */
export class StateTable {
  /** Batches closed (0 … closed−1). */
  closed = 0;
  private state = new Map<string, [unknown, unknown]>();
  private open = new Map<number, OpenBatch>();

  constructor(private readonly settings: UpdateStateSettings) {}

  /** Keys with state. */
  get keys(): number {
    return this.state.size;
  }

  /** Batches with values not closed yet. */
  get openBatches(): number {
    return this.open.size;
  }

  /** Restores the closed batches and the keys' state from `snapshot()` (no open batch: they are replayed). */
  restore(snapshot: string): void {
    const snap = decodeState(JSON.parse(snapshot)) as StateSnapshot;
    this.closed = snap.closed;
    this.state = new Map();
    this.open = new Map();
    for (const [k, s] of snap.state) this.state.set(keyId(k), [k, s]);
  }

  /** The closed batches and the keys' state, as JSON (open batches are not in it). */
  snapshot(): string {
    const snap: StateSnapshot = { closed: this.closed, state: [...this.state.values()] };
    return JSON.stringify(encodeState(snap));
  }

  /** Adds the values of one stage-1 message (`data`: its packed partials; `id`: where it is in the log) to its open batches; batches closed are skipped. */
  apply(data: string, id: string): void {
    for (const [b, entries] of unpackPartials(data)) {
      if (b < this.closed) continue;
      let batch = this.open.get(b);
      if (!batch) this.open.set(b, (batch = { first: id, keys: new Map() }));
      for (const [key, values] of entries as [unknown, Tagged[]][]) {
        const id = keyId(key);
        const e = batch.keys.get(id);
        if (e) e[1].push(...values);
        else batch.keys.set(id, [key, values]);
      }
    }
  }

  /**
   * Closes every batch the input partitions `0 … n−1` have passed: all of them once every one has
   * ended (its watermark is then its line frontier: its lines·n + p), else those below the minimum line frontier.
   * @param onBatch called after each batch closed, with its index b (0-based: batch time (b+1) × `--batch`)
   *   and the keys it changed with their new state, in key order (`changed`: as a local run's `--output-mode update`,
   *   plus each key it removed with the state `undefined`: a tombstone, so that each key's last row is the table).
   * @returns true when every input partition has ended and every batch is closed (the table is final).
   */
  closeDue(sources: Map<number, SourceProgress>, n: number, onBatch?: (b: number, changed: [unknown, unknown][]) => void): boolean {
    const N = this.settings.batchLines;
    let allEnded = sources.size === n;
    let lines = 0;
    for (const [p, s] of sources) {
      if (!s.eof) allEnded = false;
      else lines += (s.watermarkMs - p) / n;
    }
    const batches = allEnded ? (Number.isFinite(N) ? Math.ceil(lines / N) : lines > 0 ? 1 : 0) : Number.isFinite(N) ? Math.floor(minWatermark(sources, n) / N) : 0;
    while (this.closed < batches) {
      const changed = this.closeBatch(this.closed++);
      onBatch?.(this.closed - 1, [...changed.values()].sort((a, b) => compareKeys(a[0], b[0])));
    }
    return allEnded && this.closed >= batches;
  }

  /**
   * Calls the function for batch `b`: each key with values, in topic order, then each key with state only.
   * @returns the keys changed (by id): a key with values given a state, a key with state only given a state of another value
   *   or its own mutated (as a local --output-mode update), and a key with state that the function removed (returned
   *   `undefined`), with the state `undefined` (a tombstone).
   */
  private closeBatch(b: number): Map<string, [unknown, unknown]> {
    const { fn, label, issues, batchIntervalMs } = this.settings;
    const timeMs = (b + 1) * batchIntervalMs;
    const batch = this.open.get(b);
    this.open.delete(b);
    // A throw skips the key's values: one skipped record per value, as locally (its topic line as `rawSeq`;
    // the line itself is not here, so it cannot reach --dead-letter: the CLI says so).
    const call = (key: unknown, tagged: Tagged[], old: unknown): { ok: boolean; next: unknown } => {
      const values = tagged.map((t) => t[2]);
      try {
        return { ok: true, next: fn(values, old, timeMs) };
      } catch (e) {
        issues.userError(label, [key, values], e, tagged.flatMap((t) => [undefined, t[0]]));
        return { ok: false, next: undefined };
      }
    };
    const seen = new Set<string>();
    const changed = new Map<string, [unknown, unknown]>();
    const set = (id: string, key: unknown, next: unknown): void => {
      // The first key object seen stays the printed one (as a local KeyCodec), whatever later batches give.
      const old = this.state.get(id);
      const e: [unknown, unknown] = [old ? old[0] : key, next];
      this.state.set(id, e);
      changed.set(id, e);
    };
    const remove = (id: string, key: unknown): void => {
      if (this.state.delete(id)) changed.set(id, [key, undefined]);
    };
    for (const [id, [key, tagged]] of batch?.keys ?? []) {
      seen.add(id);
      tagged.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      const r = call(key, tagged, this.state.get(id)?.[1]);
      if (!r.ok) continue;
      if (r.next === undefined) remove(id, key);
      else set(id, key, r.next);
    }
    for (const [id, [key, s]] of [...this.state]) {
      if (seen.has(id)) continue;
      // As a local --output-mode update (state/state-change.ts): changed by value, a state mutated in place included.
      const mark = markState(s);
      const r = call(key, [], s);
      if (!r.ok) continue;
      if (r.next === undefined) remove(id, key);
      else if (stateChanged(s, mark, r.next)) set(id, key, r.next);
      else if (r.next !== s) this.state.set(id, [key, r.next]);
    }
    return changed;
  }

  /** The table, every key with its state in key order (the rows output at the end). */
  records(): [unknown, unknown][] {
    return [...this.state.values()].sort((a, b) => compareKeys(a[0], b[0]));
  }

  /** Where a new owner replays from: the first message of the oldest open batch (by `compare`), or undefined when none is open. */
  replayPoint(compare: (a: string, b: string) => number): string | undefined {
    let first: string | undefined;
    for (const b of this.open.values()) if (first === undefined || compare(b.first, first) < 0) first = b.first;
    return first;
  }
}

/** A stage-1 message of a state job, as both logs give it (Redis `Stage2Message`; Kafka's repartition record). */
export interface StateMessage {
  source: number;
  seq: number;
  eof: boolean;
  idle: boolean;
  /** The source's line frontier (state-stage.ts). */
  watermarkMs: number;
  data: string;
}

/**
 * One key partition of a state job, on every log (Redis: redis/state-unit.ts; Kafka:
 * kafka/state-unit.ts): the sources' progress and the `StateTable`. A step `receive`s its messages
 * and `close`s the batches due; the backend writes the rows and the state.
 */
export class StateKeys {
  readonly table: StateTable;

  constructor(private readonly settings: UpdateStateSettings, private readonly inputPartitions: number, readonly sources = new Map<number, SourceProgress>()) {
    this.table = new StateTable(settings);
  }

  /** Adds message `m` (log offset `id`) unless its batch (source, seq) was applied already (a re-emission). */
  receive(m: StateMessage, id: string): void {
    const s = this.sources.get(m.source);
    if (s && m.seq <= s.seq) return;
    this.sources.set(m.source, { seq: m.seq, eof: m.eof, idle: m.idle, watermarkMs: Math.max(m.watermarkMs, s?.watermarkMs ?? -Infinity) });
    this.table.apply(m.data, id);
  }

  /**
   * Closes the batches every input partition has passed.
   * @returns `done` (every input partition ended, every batch closed) and the rows to output, as windows
   *   whose bounds are batch counts: on live input each closed batch b's changed keys as [b+1, b+1] (in
   *   key order; none when it changed none); on bounded input, once done, the whole table as [b, b] with
   *   b the batches closed (none when no batch closed).
   */
  close(): { done: boolean; windows: ClosedWindow[] } {
    const live = this.settings.live === true;
    const windows: ClosedWindow[] = [];
    const done = this.table.closeDue(this.sources, this.inputPartitions, live ? (b, records) => {
      if (records.length) windows.push({ startMs: b + 1, endMs: b + 1, records });
    } : undefined);
    const b = this.table.closed;
    if (!live && done && b > 0) {
      const records = this.table.records();
      if (records.length) windows.push({ startMs: b, endMs: b, records });
    }
    return { done, windows };
  }
}
