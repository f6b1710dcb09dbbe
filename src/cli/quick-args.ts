/**
 * The quick path of flag parsing, for plain command lines (`dstream --map … --count < file`).
 *
 * yargs is the parser: its flag table (args.ts `defineFlags`) is the only definition of the
 * flags, its help, completion and every message. Building a yargs instance with ~80 options and
 * running its validation took ~10 ms of a ~120 ms start-up, so a command line is first read by
 * yargs' own tokenizer, yargs-parser, with the options yargs would give it (recorded once from
 * the same table: types, defaults, aliases, `requiresArg`, parser configuration). The result is
 * used only when it needs nothing more from yargs: no error, no unknown flag, every value among
 * its choices, every flag that requires a value given one, no help, version, `--` or positional
 * argument but `-`. Anything
 * else returns `undefined` and the caller runs yargs in full, which then gives its usual answer.
 * test/cli/quick-args.test.ts checks that both paths give the same result.
 */
import yargsParser from 'yargs-parser';
import type { Argv } from 'yargs';

/** What a yargs flag table declares, as yargs hands it to yargs-parser, plus what it validates. */
export interface FlagTable {
  string: string[];
  boolean: string[];
  number: string[];
  default: Record<string, unknown>;
  alias: Record<string, string[]>;
  narg: Record<string, number>;
  configuration: Record<string, boolean>;
  choices: Map<string, unknown[]>;
  /** Requires a value (`requiresArg`). */
  requiresArg: Set<string>;
  /** Every flag name and alias. */
  known: Set<string>;
}

/**
 * Runs `define` on a stand-in for a yargs instance that records the flag table instead of
 * building one. Understands `option`, `alias`, `requiresArg`, `parserConfiguration`, `help`
 * and `version`; other calls (usage, groups, wrapping…) change nothing for parsing.
 */
export function recordFlags(define: (y: Argv) => unknown): FlagTable {
  const t: FlagTable = {
    string: [], boolean: [], number: [], default: {}, alias: {}, narg: {}, configuration: {}, choices: new Map(), requiresArg: new Set(), known: new Set(),
  };
  const flag = (name: string, type: 'string' | 'boolean' | 'number') => {
    t.known.add(name);
    t[type].push(name);
  };
  const calls: Record<string, (...a: any[]) => void> = {
    option(name: string, o: { type?: 'string' | 'boolean' | 'number'; default?: unknown; choices?: unknown[] }) {
      t.known.add(name);
      if (o.type) flag(name, o.type);
      if ('default' in o) t.default[name] = o.default;
      if (o.choices) t.choices.set(name, o.choices);
    },
    alias(short: string, long: string) {
      t.known.add(short);
      (t.alias[long] ??= []).push(short);
    },
    requiresArg(names: string[]) {
      for (const n of names) {
        t.requiresArg.add(n);
        t.narg[n] = NaN; // as yargs 17 does: at least one value
      }
    },
    parserConfiguration(c: Record<string, boolean>) {
      Object.assign(t.configuration, c);
    },
    help: () => flag('help', 'boolean'),
    version: () => flag('version', 'boolean'),
  };
  const stand: Argv = new Proxy({} as Argv, {
    get: (_target, name) => (...args: unknown[]) => {
      calls[name as string]?.(...args);
      return stand;
    },
  });
  define(stand);
  return t;
}

/**
 * `argv` parsed as yargs would parse it with the flags of `table`, or `undefined` when yargs
 * itself must answer (see module doc). Keys are those of yargs' result, without `$0`.
 */
export function quickParse(argv: readonly string[], table: FlagTable): Record<string, unknown> | undefined {
  if (argv.includes('--')) return undefined;
  const r = yargsParser.detailed([...argv], {
    string: table.string, boolean: table.boolean, number: table.number, default: table.default, alias: table.alias, narg: table.narg,
    configuration: { 'parse-positional-numbers': false, ...table.configuration, 'populate--': true },
  });
  if (r.error) return undefined;
  const out = r.argv as Record<string, unknown>;
  if (out.help || out.version) return undefined;
  // Positional arguments (yargs turns numeric ones into numbers) are an error but for stdin's '-'.
  if ((out._ as unknown[]).some((p) => p !== '-')) return undefined;
  for (const [k, v] of Object.entries(out)) {
    if (k === '_' || k === '--') continue;
    if (!table.known.has(k)) return undefined;
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    const choices = table.choices.get(k);
    if (choices && values.some((x) => !choices.includes(x))) return undefined;
    if (table.requiresArg.has(k) && values.some((x) => x === '' || typeof x === 'boolean')) return undefined;
  }
  if (Array.isArray(out['--'])) {
    if (out['--'].length) return undefined;
    delete out['--'];
  }
  return out;
}
