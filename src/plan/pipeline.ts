/**
 * Flags → a job on the library API. Operators are applied in command-line
 * order; a `--window` right after an aggregation makes that aggregation
 * windowed (`--reduce-by-key sum --window 1h --slide 1m` is Spark's
 * `reduceByKeyAndWindow`); anywhere else it windows the stream at that point
 * (Spark's `window()`), which gives the same results for a following
 * aggregation. All checks happen here, before any input is read.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis, Pair } from '../core/types.js';
import type { DStream } from '../engine/dstream.js';
import { isBuiltinReducer, type BuiltinReducer } from '../operators/reducers.js';
import { compileFunction } from './compile-fn.js';

/** One operator flag, in command-line order. Durations in ms. */
export type OperatorFlag =
  | { op: 'map' | 'flat-map' | 'filter' | 'event-time'; source: string }
  | { op: 'reduce' | 'reduce-by-key'; source: string }
  | { op: 'count' | 'count-by-value' }
  | { op: 'window'; lengthMs: Millis; slideMs?: Millis; text: string }
  | { op: 'top'; n: number };

/** Settings that are not operators. */
export interface PipelineSettings {
  /** `--watermark` (ms). */
  watermarkDelayMs: Millis;
}

function label(flag: string, source: string): string {
  const s = source.length > 60 ? `${source.slice(0, 57)}...` : source;
  return `--${flag} '${s}'`;
}

function reducerOf(source: string, flag: string): BuiltinReducer | ((a: any, b: any) => any) {
  return isBuiltinReducer(source) ? source : (compileFunction(source, `--${flag}`) as (a: any, b: any) => any);
}

/**
 * Applies the operator flags to `input`.
 * @throws ConfigError for an invalid function, window or order.
 */
export function buildPipeline(input: DStream<string>, flags: readonly OperatorFlag[], settings: PipelineSettings): DStream<unknown> {
  let ds = input as DStream<any>;
  let sawEventTime = false;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const next = flags[i + 1];
    const windowNext = next?.op === 'window' ? next : undefined;
    switch (f.op) {
      case 'map':
        ds = ds.map(compileFunction(f.source, '--map'), label('map', f.source));
        break;
      case 'flat-map':
        ds = ds.flatMap(compileFunction(f.source, '--flat-map') as (x: unknown) => unknown[], label('flat-map', f.source));
        break;
      case 'filter':
        ds = ds.filter(compileFunction(f.source, '--filter'), label('filter', f.source));
        break;
      case 'event-time':
        ds = ds.eventTime(compileFunction(f.source, '--event-time'), { watermarkDelayMs: settings.watermarkDelayMs, label: label('event-time', f.source) });
        sawEventTime = true;
        break;
      case 'reduce': {
        const fn = reducerOf(f.source, 'reduce');
        const l = label('reduce', f.source);
        if (windowNext) {
          ds = ds.reduceByWindow(fn, windowNext.lengthMs, windowNext.slideMs, l);
          i++;
        } else ds = ds.reduce(fn, l);
        break;
      }
      case 'reduce-by-key': {
        const fn = reducerOf(f.source, 'reduce-by-key');
        const l = label('reduce-by-key', f.source);
        const pairs = ds as DStream<Pair<unknown, any>>;
        if (windowNext) {
          ds = pairs.reduceByKeyAndWindow(fn, windowNext.lengthMs, windowNext.slideMs, { label: l });
          i++;
        } else ds = pairs.reduceByKey(fn, l);
        break;
      }
      case 'count':
        if (windowNext) {
          ds = ds.countByWindow(windowNext.lengthMs, windowNext.slideMs, '--count --window');
          i++;
        } else ds = ds.count('--count');
        break;
      case 'count-by-value':
        if (windowNext) {
          ds = ds.countByValueAndWindow(windowNext.lengthMs, windowNext.slideMs, '--count-by-value --window');
          i++;
        } else ds = ds.countByValue('--count-by-value');
        break;
      case 'window':
        ds = ds.window(f.lengthMs, f.slideMs, `--window ${f.text}`);
        break;
      case 'top':
        ds = ds.top(f.n);
        break;
    }
  }
  if (settings.watermarkDelayMs > 0 && !sawEventTime) throw new ConfigError('--watermark needs --event-time');
  return ds;
}
