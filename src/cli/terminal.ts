/**
 * Terminal conventions: when to use colour (per stream), and escaping of
 * control characters so that no input can move the cursor, clear the screen
 * or retitle the terminal when data is shown on a TTY.
 *
 * Colour precedence (clig.dev, no-color.org, force-color.org):
 * `--color` / `--no-color` > `FORCE_COLOR` > `NO_COLOR` > `TERM=dumb` > isTTY.
 */
import type { ChalkInstance } from 'chalk';

/** A stream as far as colour decisions go. */
export interface TerminalStream {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Whether to write colour to `stream`.
 * @param flag `true` for `--color`, `false` for `--no-color`, `undefined` when neither was given.
 * @param env the environment (`process.env`).
 */
export function useColor(stream: TerminalStream, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/**
 * A chalk instance for a stream: colour level 1 (16 colours) when enabled, 0 (no escapes ever)
 * otherwise. chalk is loaded on the first call (it probes the terminal when loaded: start-up time).
 */
export async function chalkFor(stream: TerminalStream, env: NodeJS.ProcessEnv, flag?: boolean): Promise<ChalkInstance> {
  const { Chalk } = await import('chalk');
  return new Chalk({ level: useColor(stream, env, flag) ? 1 : 0 });
}

/** Whether the terminal shows UTF-8: the locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`) names UTF-8 and `TERM` is not the Linux console. */
export function unicodeTerminal(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale) && env.TERM !== 'linux';
}

// C0 controls but tab, DEL, C1 controls (0x80–0x9f: a lone 0x9b is a CSI), and the
// bidirectional overrides/isolates (U+202A–U+202E, U+2066–U+2069) that reorder what is shown.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Makes control characters visible (`\x1b`, `\n`, …) so text cannot drive the terminal. Tabs become spaces. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
  }).replace(/\t/g, ' ');
}

/**
 * Keeps an area drawn in place (a live table, a progress bar) below the lines
 * written to `stream`: every `stream.write` is wrapped in `clear()` before and
 * `redraw()` after. Writes made by `clear` and `redraw` themselves are not
 * wrapped. Terminal writes are synchronous in Node, so the order holds.
 * @returns a function that restores `stream.write`.
 */
export function drawBelowWrites(stream: NodeJS.WriteStream, clear: () => void, redraw: () => void): () => void {
  const write = stream.write;
  let inside = false;
  stream.write = ((...args: Parameters<typeof write>) => {
    if (inside) return write.apply(stream, args);
    inside = true;
    try {
      clear();
      const ok = write.apply(stream, args);
      redraw();
      return ok;
    } finally {
      inside = false;
    }
  }) as typeof write;
  return () => {
    stream.write = write;
  };
}
