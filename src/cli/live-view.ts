/**
 * The live view: on a terminal, a keyed result (`--top`, windows) is one table
 * redrawn in place every batch (log-update), instead of scrolling frames.
 * Rows with numeric values are sorted by value, largest first, ties by key
 * ascending (as `--top`; angle-grinder's default), and numbered by that rank;
 * other rows keep their order and get no rank. Columns: rank, key, value,
 * and a change marker against the previous table (`+` new key, `↑`/`↓` value
 * up/down, blank unchanged; `^`/`v` and ASCII punctuation when the terminal
 * is not UTF-8); a header line with the batch time and, for windowed
 * results, the window bounds. Cells are escaped (no control characters reach
 * the terminal) and cut to the terminal width. Only the newest window of a
 * batch is shown; the final table stays on screen when the job ends (`close`).
 *
 * Lines written to stderr while the table is shown (warnings, `--stats`)
 * would break the in-place redraw when stderr is the same terminal: they are
 * printed above the table (the table is cleared, the line written, the table
 * drawn again below it).
 */
import { createLogUpdate } from 'log-update';
import type { ChalkInstance } from 'chalk';
import { isPair, type BatchInfo, type Millis, type WindowBounds } from '../core/types.js';
import { compareKeys } from '../core/compare.js';
import type { StreamNode } from '../core/node.js';
import { isoTime, valueText } from '../sinks/format.js';
import { drawBelowWrites, escapeControl, unicodeTerminal } from './terminal.js';

/** Options of a `LiveView`. */
export interface LiveViewOptions {
  stream: NodeJS.WriteStream;
  chalk: ChalkInstance;
  /** Rows shown at most (default: the terminal height minus 3). */
  maxRows?: number;
  /** Non-ASCII glyphs (arrows, `·`, `…`); default: from the locale (`unicodeTerminal`). */
  unicode?: boolean;
  /** stderr, whose lines are printed above the table (see module doc) when it is a terminal. */
  stderr?: NodeJS.WriteStream;
}

const GLYPHS = {
  unicode: { up: '↑', down: '↓', dot: '·', more: '…' },
  ascii: { up: '^', down: 'v', dot: '-', more: '...' },
};

function cut(s: string, width: number, more: string): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - more.length))}${more}`;
}

/** Pairs with numeric values, sorted by value descending then key ascending; `null` for other rows (left in their order). */
function byValue(rows: unknown[]): [unknown, number][] | null {
  if (!rows.every((r) => isPair(r) && typeof r[1] === 'number')) return null;
  return (rows as [unknown, number][]).slice().sort((a, b) => b[1] - a[1] || compareKeys(a[0], b[0]));
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

  private readonly glyphs: (typeof GLYPHS)['unicode'];
  /** The table on screen, redrawn after a stderr line; `null` before the first and after the last. */
  private frame: string | null = null;
  private restoreStderr: (() => void) | undefined;

  constructor(private readonly o: LiveViewOptions) {
    this.update = createLogUpdate(o.stream, { showCursor: true });
    this.glyphs = GLYPHS[(o.unicode ?? unicodeTerminal(process.env)) ? 'unicode' : 'ascii'];
    if (o.stderr?.isTTY) this.printAbove(o.stderr);
  }

  /** Routes `stderr`'s writes above the table (see module doc) until `close`. */
  private printAbove(stderr: NodeJS.WriteStream): void {
    this.restoreStderr = drawBelowWrites(stderr, () => {
      if (this.frame !== null) this.update.clear();
    }, () => {
      if (this.frame !== null) this.update(this.frame);
    });
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
    if (this.shown) {
      this.frame = this.render(batch.timeMs, this.shown.rows, this.shown.window);
      this.update(this.frame);
    }
  }

  /** Leaves the final table on screen: later stderr lines (the exit summary) go below it. */
  close(): void {
    this.update.done();
    this.frame = null;
    this.restoreStderr?.();
    this.restoreStderr = undefined;
  }

  /** The table text (exported for tests through `render`). */
  render(timeMs: Millis, rows: unknown[], window: WindowBounds | null): string {
    const c = this.o.chalk;
    const g = this.glyphs;
    const width = Math.max(40, this.o.stream.columns || 80);
    const height = this.o.maxRows ?? Math.max(5, (this.o.stream.rows || 24) - 3);
    const head = window ? `window [${isoTime(window.startMs)}, ${isoTime(window.endMs)})` : `batch ${isoTime(timeMs)}`;
    const lines = [c.bold(cut(`${head}  ${g.dot}  ${rows.length} row${rows.length === 1 ? '' : 's'}`, width, g.more))];
    const ranked = byValue(rows);
    const shown = (ranked ?? rows).slice(0, height);
    const keys = shown.map((r) => escapeControl(isPair(r) ? valueText(r[0]) : valueText(r)));
    const values = shown.map((r) => escapeControl(isPair(r) ? valueText(r[1]) : ''));
    const rankW = ranked ? String(shown.length).length + 2 : 0;
    const valueW = Math.min(20, Math.max(5, ...values.map((v) => v.length)));
    const keyW = Math.max(8, width - rankW - valueW - 4);
    const next = new Map<string, unknown>();
    shown.forEach((r, i) => {
      const key = keys[i]!;
      const value = isPair(r) ? r[1] : undefined;
      next.set(key, value);
      let mark = ' ';
      if (!this.previous.has(key)) mark = c.green('+');
      else if (typeof value === 'number' && typeof this.previous.get(key) === 'number') {
        const before = this.previous.get(key) as number;
        mark = value > before ? c.green(g.up) : value < before ? c.red(g.down) : ' ';
      }
      const rank = ranked ? `${String(i + 1).padStart(rankW - 2)}  ` : '';
      lines.push(`${rank}${cut(key, keyW, g.more).padEnd(keyW)}  ${cut(values[i]!, valueW, g.more).padStart(valueW)} ${mark}`);
    });
    if (rows.length > shown.length) lines.push(c.dim(`${g.more} ${rows.length - shown.length} more`));
    this.previous = next;
    return lines.join('\n');
  }
}
