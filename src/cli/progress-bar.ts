/**
 * A progress bar on stderr for bounded input of known size — stdin
 * redirected from a regular file, or the files of watched directories read
 * by `--once` — in place of the spinner: bytes read of
 * the total, percentage, rate and time left (cli-progress). The caller shows
 * it only when stderr is a terminal and not in CI; it never writes to a pipe.
 *
 * Bytes read of stdin are its file offset (`/proc/self/fdinfo/0`, Linux),
 * so no reader has to count: stdin is read sequentially whichever source
 * reads it. Bytes of watched files are counted as their lines enter the
 * pipeline (a map in front of the operators, only while the bar is shown).
 * Lines written to stderr meanwhile (warnings, `--stats`), and to stdout
 * when it is the same terminal, are printed above the bar.
 */
import { fstatSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import bytes from 'bytes';
import { SingleBar } from 'cli-progress';
import { FileFilter, scanDirectory } from '../sources/directory/watcher.js';
import { isGzip } from '../sources/directory/file-reader.js';
import { drawBelowWrites } from './terminal.js';

/** An input whose size is known: `totalBytes`, `readBytes()` so far. */
export interface BoundedInput {
  totalBytes: number;
  readBytes: () => number;
  /** For an input counted as its lines pass: call once per line. */
  count?: (line: string) => void;
}

/**
 * stdin as a bounded input when it is a non-empty regular file and its offset
 * can be read (Linux `/proc`); else `undefined`.
 */
export function stdinInput(fd = 0, procFs = '/proc/self/fdinfo'): BoundedInput | undefined {
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0) return undefined;
    const pos = () => Number(/^pos:\s*(\d+)/m.exec(readFileSync(`${procFs}/${fd}`, 'utf8'))?.[1] ?? NaN);
    if (!Number.isFinite(pos())) return undefined;
    return { totalBytes: st.size, readBytes: () => Math.min(st.size, pos() || 0) };
  } catch {
    return undefined;
  }
}

/**
 * The files of watched directories read by `--once` (those present now that
 * the directory source takes: same filter), as a bounded input whose bytes
 * are counted line by line (UTF-8 bytes plus the newline); `undefined` when
 * there are none or a `.gz` file is among them (its size is not its text's).
 */
export async function watchedFilesInput(dirs: readonly string[], options: { pattern?: string; recursive?: boolean }): Promise<BoundedInput | undefined> {
  let totalBytes = 0;
  for (const dir of dirs) {
    const files = await scanDirectory(new FileFilter(resolve(dir), options), () => {});
    for (const f of files) {
      if (isGzip(f)) return undefined;
      try {
        totalBytes += statSync(f).size;
      } catch {
        /* gone: the source reports it */
      }
    }
  }
  if (totalBytes === 0) return undefined;
  let read = 0;
  return {
    totalBytes,
    readBytes: () => Math.min(read, totalBytes),
    count: (line) => {
      read += Buffer.byteLength(line) + 1;
    },
  };
}

const size = (n: number) => bytes.format(n, { unitSeparator: ' ', decimalPlaces: 1 }) ?? `${n} B`;

/** Options of `InputProgressBar`. */
export interface InputProgressBarOptions {
  stderr: NodeJS.WriteStream;
  /** stdout: when it is a terminal, what is written to it is printed above the bar too. */
  stdout?: NodeJS.WriteStream;
  input: BoundedInput;
  /** Bar glyphs: `█░` when true, `#-` otherwise. */
  unicode: boolean;
  /** Wall clock, ms (for the rate). */
  now?: () => number;
  /** How often the bar is updated, ms (default 200). */
  intervalMs?: number;
}

/** The bar (see module doc); `stop()` leaves its final state on screen. */
export class InputProgressBar {
  private readonly bar: SingleBar;
  private readonly timer: NodeJS.Timeout;
  private readonly startMs: number;
  private readonly restore: () => void;

  constructor(private readonly o: InputProgressBarOptions) {
    const now = o.now ?? Date.now;
    this.startMs = now();
    const original = o.stderr.write.bind(o.stderr);
    // cli-progress draws through this view of stderr, so that its own writes are not taken for lines
    // to print above it. Its cursor save and restore (ESC 7 / ESC 8 around the bar's life) are dropped:
    // once lines were printed above the bar, restoring would put the cursor back over them.
    const view = {
      isTTY: true,
      get columns() {
        return o.stderr.columns;
      },
      write: (chunk: string | Uint8Array) => (chunk === '\x1b7' || chunk === '\x1b8' ? true : original(chunk)),
    } as unknown as NodeJS.WriteStream;
    this.bar = new SingleBar({
      stream: view,
      format: '{bar} {percentage}% · {done} of {size} · {rate}/s · {eta_formatted} left',
      barCompleteChar: o.unicode ? '\u2588' : '#',
      barIncompleteChar: o.unicode ? '\u2591' : '-',
      barsize: 24,
      hideCursor: false,
      // cli-progress's default turns the terminal's line wrapping off (ESC [?7l) while the bar runs,
      // which cuts every longer warning at the right margin; keep it on (the bar is cut to the width).
      linewrap: true,
      clearOnComplete: false,
      stopOnComplete: false,
      forceRedraw: true,
      etaBuffer: 20,
      fps: 5,
    });
    this.bar.start(o.input.totalBytes, 0, this.payload(0, now));
    // A line written to stderr — or to stdout when it is the same terminal — clears the bar's line,
    // is written, and the bar is drawn again below it.
    const clear = () => original('\r\x1b[2K');
    const redraw = () => this.bar.render();
    const restores = [o.stderr, ...(o.stdout?.isTTY ? [o.stdout] : [])].map((stream) => drawBelowWrites(stream, clear, redraw));
    this.restore = () => restores.forEach((r) => r());
    this.timer = setInterval(() => {
      const done = o.input.readBytes();
      this.bar.update(done, this.payload(done, now));
    }, o.intervalMs ?? 200);
    this.timer.unref();
  }

  private payload(done: number, now: () => number): Record<string, string> {
    const seconds = Math.max(0.001, (now() - this.startMs) / 1000);
    return { done: size(done), size: size(this.o.input.totalBytes), rate: size(done / seconds) };
  }

  private stopped = false;

  /** Draws the final state (all bytes read when the input ended) and stops; later calls do nothing. */
  stop(complete: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    const done = complete ? this.o.input.totalBytes : this.o.input.readBytes();
    this.bar.update(done, this.payload(done, this.o.now ?? Date.now));
    this.restore();
    this.bar.stop();
  }
}
