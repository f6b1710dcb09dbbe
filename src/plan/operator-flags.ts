/**
 * The operator flags in command-line order: one pass over argv recovers them
 * with their values (yargs groups repeated flags by name and loses the order
 * between different ones), then each becomes a validated `OperatorFlag`
 * (durations parsed, `--slide` bound to its `--window`, `--top` checked).
 */
import { parseDuration } from '../core/duration.js';
import { parseCount } from '../core/count.js';
import { ConfigError } from '../core/errors.js';
import { checkTop, type OperatorFlag } from './pipeline.js';

/** Operator flags and whether they take a value. */
export const OPERATOR_FLAGS: Record<string, boolean> = {
  map: true, 'flat-map': true, filter: true, reduce: true, 'reduce-by-key': true,
  count: false, 'count-by-value': false, window: true, slide: true, top: true, 'event-time': true,
  'update-state-by-key': true, 'map-with-state': true, 'session-window': true, transform: true,
};

/** Recovers the operator flags in command-line order, with their values (see module doc). */
function orderedOperators(argv: readonly string[]): { name: string; value?: string }[] {
  const ops: { name: string; value?: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') break;
    if (!tok.startsWith('--')) continue;
    const eq = tok.indexOf('=');
    const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
    if (!(name in OPERATOR_FLAGS)) continue;
    if (!OPERATOR_FLAGS[name]) {
      // A switch, as yargs' booleans: `--count=false` adds no operator, `--count=true` is `--count`.
      const v = eq === -1 ? 'true' : tok.slice(eq + 1);
      if (v !== 'true' && v !== 'false') throw new ConfigError(`--${name} takes no value, got '${tok}' (--${name}=false leaves it out)`);
      if (v === 'true') ops.push({ name });
      continue;
    }
    if (eq !== -1) ops.push({ name, value: tok.slice(eq + 1) });
    else {
      const value = argv[i + 1];
      if (value === undefined) throw new ConfigError(`--${name} needs a value`);
      ops.push({ name, value });
      i++;
    }
  }
  return ops;
}

function toOperators(raw: { name: string; value?: string }[]): OperatorFlag[] {
  const out: OperatorFlag[] = [];
  let lastWindow: Extract<OperatorFlag, { op: 'window' }> | undefined;
  for (const { name, value } of raw) {
    switch (name) {
      case 'map': case 'flat-map': case 'filter': case 'event-time': case 'reduce': case 'reduce-by-key':
      case 'update-state-by-key': case 'map-with-state': case 'transform':
        if ((name === 'reduce' || name === 'reduce-by-key') && /^topk(:|$)/.test(value!)) {
          // N as every count (core/count.ts): decimal digits, leading zeros allowed (topk:05 is topk:5), at least 1.
          if (!/^topk:\d*[1-9]\d*$/.test(value!)) {
            throw new ConfigError(`--${name}: '${value}': N must be a positive number in topk:N (a whole number: how many of the most frequent values to keep, e.g. topk:10)`);
          }
          if (!Number.isSafeInteger(Number(value!.slice(5)))) {
            throw new ConfigError(`--${name}: '${value}': N is too large in topk:N (at most ${Number.MAX_SAFE_INTEGER})`);
          }
        }
        out.push({ op: name, source: /^topk:\d+$/.test(value!) ? `topk:${Number(value!.slice(5))}` : value! });
        lastWindow = undefined;
        break;
      case 'count': case 'count-by-value':
        out.push({ op: name });
        lastWindow = undefined;
        break;
      case 'window':
        lastWindow = { op: 'window', lengthMs: parseDuration(value!, '--window'), text: value! };
        out.push(lastWindow);
        break;
      case 'session-window':
        out.push({ op: 'session-window', gapMs: parseDuration(value!, '--session-window'), text: value! });
        lastWindow = undefined;
        break;
      case 'slide':
        if (!lastWindow) throw new ConfigError('--slide must follow the --window it belongs to');
        if (lastWindow.slideMs !== undefined) throw new ConfigError('--slide given twice for one --window');
        lastWindow.slideMs = parseDuration(value!, '--slide');
        break;
      case 'top': {
        out.push({ op: 'top', n: parseCount(value, '--top') });
        lastWindow = undefined;
        break;
      }
    }
  }
  checkTop(out); // every mode (local, --workers, distributed), before any input is read
  return out;
}

/**
 * The operators of a command line, in order.
 * @throws ConfigError (exit 2) for a missing value, a bad duration or number, a misplaced `--slide` or `--top`.
 */
export function operatorsOf(argv: readonly string[]): OperatorFlag[] {
  return toOperators(orderedOperators(argv));
}
