/**
 * The pipeline fingerprint: what a checkpoint (local mode) or a job in redis
 * (distributed mode) is tied to, so that a restart with options that change
 * results is refused instead of mixing two pipelines' state. One description
 * and one hash for both modes.
 *
 * Part of it (each changes what a record counts for or where): the operators
 * in order with their functions and window lengths/slides, `--batch` (local
 * mode: processing-time batches and windows), `--watermark`,
 * `--allowed-lateness`, `--output-mode`, `--state-timeout`, `--max-keys`,
 * `--timezone`, `--parse` with `--delimiter` and `--year`, and
 * `--max-line-bytes` (local mode: which lines are skipped). Not part of it:
 * how results are shown or where bad input goes (`--format`, `--print`,
 * `--dead-letter`, `--late`, `--on-error`, `--stats` …). In distributed mode
 * `--batch` is only how often a worker polls (windows are in event time) and
 * lines are cut by `dstream publish`, so neither is part of it there.
 */
import { createHash } from '../core/hash.js';
import type { Millis } from '../core/types.js';
import type { PipelineIdentity } from '../checkpoint/checkpoint-store.js';
import type { OperatorFlag } from './pipeline.js';

/** Identity of a job: plain JSON data, compared field by field. */
export interface PipelineDescription {
  [field: string]: unknown;
}

/** The options a description is made from (a subset of the CLI's options). Durations in ms. */
export interface FingerprintOptions {
  batchIntervalMs: Millis;
  operators: readonly OperatorFlag[];
  watermarkDelayMs: Millis;
  outputMode?: string;
  allowedLatenessMs?: Millis;
  stateTimeoutMs?: Millis;
  maxKeys?: number;
  timezone?: string;
  parse?: { format: string; delimiter?: string; year?: number };
  maxLineBytes: number;
}

/**
 * What must stay the same between runs (see module doc). Unset options are
 * `null`, so that a description always has the same fields.
 * @param mode `distributed` leaves out `--batch` and `--max-line-bytes`.
 */
export function pipelineDescription(o: FingerprintOptions, mode: 'local' | 'distributed'): PipelineDescription {
  const local = mode === 'local';
  return {
    ...(local ? { batchIntervalMs: o.batchIntervalMs } : {}),
    operators: o.operators,
    watermarkDelayMs: o.watermarkDelayMs,
    outputMode: o.outputMode ?? null,
    allowedLatenessMs: o.allowedLatenessMs ?? null,
    stateTimeoutMs: o.stateTimeoutMs ?? null,
    maxKeys: o.maxKeys ?? null,
    timezone: o.timezone ?? null,
    parse: o.parse?.format ?? null,
    delimiter: o.parse?.delimiter ?? null,
    year: o.parse?.year ?? null,
    ...(local ? { maxLineBytes: o.maxLineBytes } : {}),
  };
}

/** The fingerprint of a description: 16 hex digits of the SHA-256 of its JSON. */
export function fingerprint(description: PipelineDescription): string {
  return createHash('sha256').update(JSON.stringify(description)).digest('hex').slice(0, 16);
}

/** The flag each field comes from, for messages. */
const FLAG_OF: Record<string, string> = {
  batchIntervalMs: '--batch', watermarkDelayMs: '--watermark', outputMode: '--output-mode', allowedLatenessMs: '--allowed-lateness',
  stateTimeoutMs: '--state-timeout', maxKeys: '--max-keys', timezone: '--timezone', parse: '--parse', delimiter: '--delimiter',
  year: '--year', maxLineBytes: '--max-line-bytes',
};

/**
 * What differs between a stored description and the current one, e.g.
 * `--parse: "json" → "logfmt"; operators: [...] → [...]`; a field that one
 * side lacks shows as `unset`. Empty when they are the same.
 */
export function describeChange(stored: PipelineDescription, now: PipelineDescription): string {
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(now)])];
  const changed = keys.filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(now[k]));
  return changed.map((k) => `${FLAG_OF[k] ?? k}: ${JSON.stringify(stored[k]) ?? 'unset'} → ${JSON.stringify(now[k]) ?? 'unset'}`).join('; ');
}

/** A description with its fingerprint and change report: what a checkpoint (or a distributed job) is tied to. */
export function pipelineIdentity(description: PipelineDescription): PipelineIdentity {
  return { description, fingerprint: fingerprint(description), changeFrom: (stored) => describeChange(stored, description) };
}
