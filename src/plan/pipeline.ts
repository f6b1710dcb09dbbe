/**
 * The operator flags of a job and the checks that need nothing but the flags
 * and settings: what `--top`, `--watermark`, `--timezone`, `--output-mode`,
 * `--allowed-lateness`, `--state-timeout`, `--max-keys` and `--initial-state`
 * need before them. engine/apply-plan.ts applies the flags to a DStream.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';

/** One operator flag, in command-line order. Durations in ms. */
export type OperatorFlag =
  | { op: 'map' | 'flat-map' | 'filter' | 'event-time' | 'transform'; source: string }
  | { op: 'reduce' | 'reduce-by-key' | 'update-state-by-key' | 'map-with-state'; source: string }
  | { op: 'count' | 'count-by-value' }
  | { op: 'window'; lengthMs: Millis; slideMs?: Millis; text: string }
  | { op: 'session-window'; gapMs: Millis; text: string }
  | { op: 'top'; n: number };

/** Aggregations whose results are `[key, value]` pairs, which `--top` ranks by value. */
const KEYED: ReadonlySet<OperatorFlag['op']> = new Set(['count-by-value', 'reduce-by-key', 'update-state-by-key', 'map-with-state']);

/**
 * Refuses a `--top N` with nothing keyed before it to rank: before any
 * aggregation it would rank raw records (a `--count` or `--reduce` gives a
 * single row), which is not what `--top` is for. Called on the whole
 * command line when it is parsed (args.ts), as `buildPipeline` (engine/apply-plan.ts) may be given
 * only the part after an aggregation (`--workers`).
 * @throws ConfigError naming what to do instead.
 */
export function checkTop(flags: readonly OperatorFlag[]): void {
  const i = flags.findIndex((f) => f.op === 'top');
  if (i === -1 || flags.slice(0, i).some((f) => KEYED.has(f.op))) return;
  const n = (flags[i] as Extract<OperatorFlag, { op: 'top' }>).n;
  throw new ConfigError(`--top ${n} ranks [key, value] pairs, but nothing before it gives them; put it after --count-by-value or --reduce-by-key (e.g. --map FN --count-by-value --top ${n})`);
}

/** The settings `checkSettings` looks at (see `PipelineSettings` in engine/apply-plan.ts). Durations in ms. */
export interface SettingsToCheck {
  watermarkDelayMs: Millis;
  outputMode?: string;
  allowedLatenessMs?: Millis;
  stateTimeoutMs?: Millis;
  maxKeys?: number;
  /** `--initial-state` given. */
  initialState?: unknown;
  /** `--timezone` given. */
  zone?: unknown;
}

/**
 * Refuses settings that apply to no operator of `flags`: `--watermark` and
 * `--timezone` without `--event-time`, `--output-mode` without a window or
 * stateful operator, `--allowed-lateness` without a window, `--state-timeout`
 * and `--max-keys` without a stateful operator, `--initial-state` without
 * exactly one.
 * @throws ConfigError naming the setting.
 */
export function checkSettings(flags: readonly OperatorFlag[], settings: SettingsToCheck): void {
  const sawEventTime = flags.some((f) => f.op === 'event-time');
  const windowed = flags.filter((f) => f.op === 'window' || f.op === 'session-window').length;
  const stateful = flags.filter((f) => f.op === 'update-state-by-key' || f.op === 'map-with-state').length;
  if (settings.watermarkDelayMs > 0 && !sawEventTime) throw new ConfigError('--watermark needs --event-time');
  if (settings.zone && !sawEventTime) throw new ConfigError('--timezone needs --event-time');
  if (settings.outputMode && windowed + stateful === 0) {
    throw new ConfigError('--output-mode applies to windowed and stateful operators (--window, --session-window, --update-state-by-key, --map-with-state); there is none');
  }
  if (settings.allowedLatenessMs !== undefined && windowed === 0) throw new ConfigError('--allowed-lateness applies to event-time windows; there is none');
  if ((settings.stateTimeoutMs !== undefined || settings.maxKeys !== undefined) && stateful === 0) {
    throw new ConfigError(`${settings.stateTimeoutMs !== undefined ? '--state-timeout' : '--max-keys'} applies to --update-state-by-key and --map-with-state; there is none`);
  }
  if (settings.initialState && stateful !== 1) {
    throw new ConfigError(`--initial-state applies to one --update-state-by-key or --map-with-state; there ${stateful === 0 ? 'is none' : `are ${stateful}`}`);
  }
}
