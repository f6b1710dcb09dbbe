/**
 * User functions: JavaScript function expressions given on the command line,
 * compiled once, before any input is read.
 *
 * The text is compiled with `vm.Script` (so a syntax error carries its
 * position) inside a wrapper that provides the helper functions of
 * `helpers.ts` as local names. It must evaluate to a function.
 */
import vm from 'node:vm';
import { ConfigError } from '../core/errors.js';
import { HASHTAGS_OF_FIELD } from '../operators/hashtags.js';
import { HELPERS } from './helpers.js';

const HELPER_NAMES = Object.keys(HELPERS);
const PREFIX = `(function (${HELPER_NAMES.join(', ')}) { return (`;
const SUFFIX = '\n); })';

/**
 * `x => hashtags(x)` or `x => hashtags(x.FIELD)` (any parameter name but `hashtags`, optional
 * parentheses and blanks): a count by value recognises these and fuses with them
 * (`ValueCounts.addHashtags`: no array and no string per tag). The first is the `hashtags` helper
 * itself; the second is the user's function, listed in `HASHTAGS_OF_FIELD` with its FIELD.
 */
const CALLS_HASHTAGS = /^\s*(?:\(\s*([A-Za-z_$][\w$]*)\s*\)|([A-Za-z_$][\w$]*))\s*=>\s*hashtags\s*\(\s*([A-Za-z_$][\w$]*)\s*(?:\.\s*([A-Za-z_$][\w$]*)\s*)?\)\s*$/;

/** `fn` compiled from `source`, or the helper it only calls (see `CALLS_HASHTAGS`). */
function recognised(source: string, fn: (...args: any[]) => unknown): (...args: any[]) => unknown {
  const m = CALLS_HASHTAGS.exec(source);
  const param = m && (m[1] ?? m[2]);
  if (!m || param !== m[3] || param === 'hashtags') return fn;
  if (m[4] === undefined) return HELPERS.hashtags as (...args: any[]) => unknown;
  HASHTAGS_OF_FIELD.set(fn, m[4]);
  return fn;
}

/** Locates a syntax error from V8's stack text (`file:LINE` then the code line and a `^` marker). */
function syntaxPosition(err: Error, flag: string, prefixLength: number): { line: number; column: number } | null {
  const stack = err.stack ?? '';
  const m = new RegExp(`^${flag.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}:(\\d+)\\n(.*)\\n( *)\\^`).exec(stack);
  if (!m) return null;
  const line = Number(m[1]);
  let column = m[3]!.length + 1;
  if (line === 1) column -= prefixLength;
  return { line, column: Math.max(1, column) };
}

/** The syntax error of `source` compiled alone (an expression statement), with its exact position, or null. */
function syntaxErrorAlone(source: string, flag: string): ConfigError | null {
  try {
    new vm.Script(source, { filename: flag });
    return null;
  } catch (e) {
    const err = e as Error;
    if (err.name !== 'SyntaxError') return null;
    const pos = syntaxPosition(err, flag, 0);
    const lines = source.split('\n');
    const atEnd = pos !== null && pos.line >= lines.length && pos.column > lines[lines.length - 1]!.length;
    const where = !pos ? '' : atEnd ? ' at the end (something is not closed)' : pos.line === 1 ? ` at column ${pos.column}` : ` at line ${pos.line}, column ${pos.column}`;
    return new ConfigError(`${flag}: syntax error${where}: ${err.message} in '${source}'`);
  }
}

/** Maps a position in the wrapped text to one in `source`; past its end means "at the end of FN". */
function clampToSource(pos: { line: number; column: number }, source: string): { line: number; column: number } {
  const lines = source.split('\n');
  if (pos.line <= lines.length) return pos;
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/**
 * Compiled functions by flag and text, for code that builds the same pipeline more than once: a
 * `--workers` thread compiles each function once for all the parts of the input it reads
 * (engine/worker-task.ts), as one thread does for the whole input, so a stolen part does not
 * start with a new, not yet optimised copy of the user's function.
 */
export class FunctionCache {
  private readonly byText = new Map<string, (...args: any[]) => unknown>();

  /**
   * `compileFunction(source, flag)`, compiled on first use, then the same function.
   * @throws ConfigError as `compileFunction`.
   */
  compile(source: string, flag: string): (...args: any[]) => unknown {
    const key = `${flag}\0${source}`;
    let fn = this.byText.get(key);
    if (fn === undefined) this.byText.set(key, (fn = compileFunction(source, flag)));
    return fn;
  }
}

/**
 * Compiles a function expression.
 * @param source e.g. `l => l.split(" ")[8]` or `JSON.parse`.
 * @param flag the flag it came from, e.g. `--map`, for messages.
 * @returns the function.
 * @throws ConfigError naming the flag (and for a syntax error, the position)
 *   when the text does not compile or does not evaluate to a function.
 */
export function compileFunction(source: string, flag: string): (...args: any[]) => unknown {
  // First the text alone, so that positions and messages refer only to what the user typed.
  const alone = syntaxErrorAlone(source, flag);
  if (alone) throw alone;
  let script: vm.Script;
  try {
    script = new vm.Script(PREFIX + source + SUFFIX, { filename: flag });
  } catch (e) {
    const err = e as Error;
    const found = syntaxPosition(err, flag, PREFIX.length);
    const pos = found && clampToSource(found, source);
    const atEnd = pos !== null && pos.line === source.split('\n').length && pos.column > source.split('\n').pop()!.length;
    const where = !pos ? '' : atEnd ? ' at the end (something is not closed)' : pos.line === 1 ? ` at column ${pos.column}` : ` at line ${pos.line}, column ${pos.column}`;
    // A missing closer is reported by V8 at our wrapper's ')', a token the user never typed.
    const reason = atEnd ? 'unexpected end of input' : err.message;
    throw new ConfigError(`${flag}: syntax error${where}: ${reason} in '${source}'`);
  }
  let fn: unknown;
  try {
    const wrapper = script.runInThisContext() as (...helpers: unknown[]) => unknown;
    fn = wrapper(...HELPER_NAMES.map((n) => HELPERS[n]));
  } catch (e) {
    throw new ConfigError(`${flag}: '${source}' could not be evaluated (${(e as Error).message}); give a function expression like 'x => x.length'`);
  }
  if (typeof fn !== 'function') {
    throw new ConfigError(`${flag}: '${source}' is not a function; give a function expression like 'x => x.length'`);
  }
  return recognised(source, fn as (...args: any[]) => unknown);
}
