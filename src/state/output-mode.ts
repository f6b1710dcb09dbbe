/**
 * Output modes of Structured Streaming, for windowed and stateful operators:
 * - `append`: each result row once, when it is final (the watermark passed);
 * - `update`: every batch, only the rows that changed in it;
 * - `complete`: every batch, the whole result table.
 * Which modes an operator can honour is checked when the plan is built.
 */
import { ConfigError } from '../core/errors.js';

/** An output mode. */
export type OutputMode = 'append' | 'update' | 'complete';
export const OUTPUT_MODES: readonly OutputMode[] = ['append', 'update', 'complete'];

/** Refuses `append` where no result is ever final; the message says what to use instead. */
export function requireFinalResults(mode: OutputMode | undefined, operator: string, eventTime: boolean, hasTimeout: boolean): void {
  if (mode !== 'append') return;
  if (!eventTime) {
    throw new ConfigError(`--output-mode append: ${operator} without --event-time never has final results; use --output-mode update or complete (or add --event-time with --state-timeout)`);
  }
  if (!hasTimeout) {
    throw new ConfigError(`--output-mode append: ${operator} keeps keys forever without --state-timeout; add --state-timeout DURATION or use --output-mode update or complete`);
  }
}

/** State timeout: keys idle this long are removed. `eventTime`: measured against the watermark, else against batch time. */
export interface StateTimeout {
  readonly ms: number;
  readonly eventTime: boolean;
}
