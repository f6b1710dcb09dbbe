/**
 * The live view: on a terminal, a keyed result (`--top`, windows) is one table
 * redrawn in place every batch (log-update), instead of scrolling frames.
 * Columns: rank, key, value, and a change marker against the previous table
 * (`+` new key, `↑`/`↓` value up/down, blank unchanged); a header line with
 * the batch time and, for windowed results, the window bounds. Cells are
 * escaped (no control characters reach the terminal) and cut to the
 * terminal width. Only the newest window of a batch is shown; the final table
 * stays on screen when the job ends.
 */
import { createLogUpdate } from 'log-update';
import type { ChalkInstance } from 'chalk';
import { isPair, type BatchInfo, type Millis, type WindowBounds } from '../core/types.js';
import type { StreamNode } from '../engine/node.js';
import { isoTime, valueText } from '../sinks/format.js';
import { escapeControl } from './terminal.js';

/** Options of a `LiveView`. */
export interface LiveViewOptions {
  stream: NodeJS.WriteStream;
  chalk: ChalkInstance;
  /** Rows shown at most (default: the terminal height minus 3). */
  maxRows?: number;
}

function cut(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** A sink that redraws one table per batch (see module doc). */
export class LiveView implements StreamNode {
  private rows: unknown[] = [];
  private group: WindowBounds | null = null;
  private shown: { rows: unknown[]; window: WindowBounds | null } | null = null;
  private previous = new Map<string, unknown>();
  private readonly update: ReturnType<typeof createLogUpdate>;
  /** Records output so far. */
  recordsOut = 0;

  constructor(private readonly o: LiveViewOptions) {
    this.update = createLogUpdate(o.stream, { showCursor: true });
  }

  record(value: unknown): void {
    this.recordsOut++;
    this.rows.push(value);
  }
  beginGroup(bounds: WindowBounds): void {
    this.group = bounds;
    this.rows = [];
  }
  endGroup(): void {
    this.shown = { rows: this.rows, window: this.group };
    this.rows = [];
    this.group = null;
  }
  endBatch(batch: BatchInfo): void {
    if (this.rows.length) this.shown = { rows: this.rows, window: null };
    this.rows = [];
    if (this.shown) this.update(this.render(batch.timeMs, this.shown.rows, this.shown.window));
    if (batch.final || batch.last) this.update.done(); // the last batch of a run is not final when open windows stay in a checkpoint
  }

  /** The table text (exported for tests through `render`). */
  render(timeMs: Millis, rows: unknown[], window: WindowBounds | null): string {
    const c = this.o.chalk;
    const width = Math.max(40, this.o.stream.columns || 80);
    const height = this.o.maxRows ?? Math.max(5, (this.o.stream.rows || 24) - 3);
    const head = window ? `window [${isoTime(window.startMs)}, ${isoTime(window.endMs)})` : `batch ${isoTime(timeMs)}`;
    const lines = [c.bold(cut(`${head}  ·  ${rows.length} row${rows.length === 1 ? '' : 's'}`, width))];
    const shown = rows.slice(0, height);
    const keys = shown.map((r) => escapeControl(isPair(r) ? valueText(r[0]) : valueText(r)));
    const values = shown.map((r) => escapeControl(isPair(r) ? valueText(r[1]) : ''));
    const rankW = String(shown.length).length;
    const valueW = Math.min(20, Math.max(5, ...values.map((v) => v.length)));
    const keyW = Math.max(8, width - rankW - valueW - 6);
    const next = new Map<string, unknown>();
    shown.forEach((r, i) => {
      const key = keys[i]!;
      const value = isPair(r) ? r[1] : undefined;
      next.set(key, value);
      let mark = ' ';
      if (!this.previous.has(key)) mark = c.green('+');
      else if (typeof value === 'number' && typeof this.previous.get(key) === 'number') {
        const before = this.previous.get(key) as number;
        mark = value > before ? c.green('↑') : value < before ? c.red('↓') : ' ';
      }
      lines.push(`${String(i + 1).padStart(rankW)}  ${cut(key, keyW).padEnd(keyW)}  ${cut(values[i]!, valueW).padStart(valueW)} ${mark}`);
    });
    if (rows.length > shown.length) lines.push(c.dim(`… ${rows.length - shown.length} more`));
    this.previous = next;
    return lines.join('\n');
  }
}
