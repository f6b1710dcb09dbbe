/**
 * Settings from a file and the environment: `--config FILE` (a JSON object
 * of long option names, e.g. `{"batch": "5s", "checkpoint": "/var/lib/x"}`)
 * and `DSTREAM_<OPTION>` variables (`DSTREAM_BATCH=5s`,
 * `DSTREAM_CHECKPOINT_INTERVAL=1m`), for every long option except the
 * operators, whose order only the command line can give. Precedence: flags >
 * environment > config file > defaults. `--print-config` shows the effective
 * settings and where each came from.
 *
 * A config file is read with lossless numbers (lossless-json): a number is
 * handed on as the text it was written in (`9007199254740993`, `05`, `1e3`),
 * so the flag's own grammar judges it and its message quotes what the user
 * wrote. Each value must fit its setting: `true`/`false` for a switch
 * (`"stats": true`), a string or a number for a setting that takes a value,
 * and an array of them only for a repeatable one (`"watch": ["a", "b"]`);
 * anything else is refused, naming what it is (`print: true is a boolean`).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

/** What kind of value each setting takes (for checking a config file's values). */
export interface SettingKinds {
  /** Switches: `true` or `false`. */
  booleans: readonly string[];
  /** Repeatable settings: one value or an array of them. */
  lists: readonly string[];
}

type LosslessJson = typeof import('lossless-json');

/** Parses a config file's text, numbers kept as the text they were written in (see module doc). */
function parseConfigText(text: string): unknown {
  const lossless = createRequire(import.meta.url)('lossless-json') as LosslessJson;
  return lossless.parse(text, null, (literal: string) => new ConfigNumber(literal));
}

/** A number of a config file, as written. */
class ConfigNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return Number(this.text);
  }
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'an array' : typeof v === 'boolean' ? 'a boolean' : v instanceof ConfigNumber ? 'a number' : typeof v === 'string' ? 'a string' : 'an object';
}

/** `true is a boolean`, `[3] is an array`, `null`. */
function what(v: unknown): string {
  return v === null ? 'null' : `${shown(v)} is ${kindOf(v)}`;
}

function shown(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof ConfigNumber ? Number(x.text) : x)).replace(/^(.{40}).+$/s, '$1…');
}

/**
 * Checks a config file's value for setting `name` (see module doc).
 * @throws ConfigError `--config FILE: print: true is a boolean; print takes a number or a string`.
 */
function checkValue(path: string, name: string, v: unknown, kinds: SettingKinds): void {
  const scalar = (x: unknown) => typeof x === 'string' || x instanceof ConfigNumber;
  if (kinds.booleans.includes(name)) {
    if (typeof v !== 'boolean') throw new ConfigError(`--config ${path}: ${name}: ${what(v)}; ${name} is a switch: true or false`);
    return;
  }
  if (scalar(v)) return;
  const list = kinds.lists.includes(name);
  if (list && Array.isArray(v) && v.every(scalar)) return;
  const takes = list ? 'a number or a string, or an array of them' : 'one value: a number or a string';
  throw new ConfigError(`--config ${path}: ${name}: ${what(v)}; ${name} takes ${takes}`);
}

/** Where a setting came from. */
export type SettingSource = 'flag' | 'env' | 'config';

/** Result of `applyConfig`: argv with env/config settings prepended (flags come last, so they win). */
export interface ConfiguredArgv {
  argv: string[];
  sources: Map<string, SettingSource>;
  values: Map<string, unknown>;
  /** The `--config` file read, if any. */
  path?: string;
}

const envName = (opt: string) => `DSTREAM_${opt.toUpperCase().replace(/-/g, '_')}`;

function flagsIn(argv: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const tok of argv) {
    if (tok === '--') break;
    if (tok.startsWith('--')) names.add(tok.slice(2).split('=')[0]!);
  }
  return names;
}

function tokens(name: string, value: unknown): string[] {
  if (value === true) return [`--${name}`];
  if (value === false) return name === 'color' ? ['--no-color'] : [];
  if (Array.isArray(value)) return value.flatMap((v) => tokens(name, v));
  // With `=`, a value that starts with a dash (`"batch-marker": "--"`) is the flag's value, not a flag or the end of options.
  const text = String(value);
  return text.startsWith('-') ? [`--${name}=${text}`] : [`--${name}`, text];
}

/**
 * Merges `--config FILE` and `DSTREAM_*` settings into argv.
 * @param known long option names (without `--`) that may be set this way.
 * @param operators option names that must come from the command line.
 * @param kinds which settings are switches and which repeatable (default: none), to check a config file's values.
 * @throws ConfigError for an unreadable or invalid config file, an unknown key, an operator in it, or a value of the wrong kind.
 */
export function applyConfig(
  argv: string[], env: NodeJS.ProcessEnv, known: readonly string[], operators: readonly string[], kinds: SettingKinds = { booleans: [], lists: [] },
): ConfiguredArgv {
  const sources = new Map<string, SettingSource>();
  const values = new Map<string, unknown>();
  const given = flagsIn(argv);
  for (const name of given) sources.set(name, 'flag');
  const settable = known.filter((k) => !operators.includes(k) && k !== 'config' && k !== 'help' && k !== 'version' && k !== 'print-config');
  const prefix: string[] = [];
  let file: Record<string, unknown> = {};
  const i = argv.findIndex((t) => t === '--config' || t.startsWith('--config='));
  const path = i < 0 ? env.DSTREAM_CONFIG : argv[i]!.includes('=') ? argv[i]!.slice(9) : argv[i + 1];
  if (path) {
    try {
      const parsed = parseConfigText(readFileSync(path, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || parsed instanceof ConfigNumber) throw new Error('not a JSON object');
      file = parsed as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`--config ${path}: ${(e as Error).message}`);
    }
    for (const key of Object.keys(file)) {
      if (operators.includes(key)) throw new ConfigError(`--config ${path}: '${key}' is an operator; operators are applied in command-line order, so give them as flags`);
      if (!settable.includes(key)) throw new ConfigError(`--config ${path}: unknown setting '${key}'`);
      checkValue(path, key, file[key], kinds);
    }
  }
  for (const name of settable) {
    if (given.has(name) || (name === 'color' && given.has('no-color'))) continue;
    const e = env[envName(name)];
    if (e !== undefined) {
      // `true`/`false` switch a switch; for a setting that takes a value they are that value, refused by its grammar.
      const toggles = kinds.booleans.length === 0 || kinds.booleans.includes(name);
      const v = toggles && e === 'true' ? true : toggles && e === 'false' ? false : e;
      prefix.push(...tokens(name, v));
      sources.set(name, 'env');
      values.set(name, v);
    } else if (name in file) {
      prefix.push(...tokens(name, file[name]));
      sources.set(name, 'config');
      values.set(name, file[name]);
    }
  }
  for (const op of operators) {
    if (env[envName(op)] !== undefined) throw new ConfigError(`${envName(op)}: '${op}' is an operator; operators are applied in command-line order, so give them as flags`);
  }
  const rest = i < 0 ? argv : [...argv.slice(0, i), ...argv.slice(argv[i]!.includes('=') ? i + 1 : i + 2)];
  return { argv: [...prefix, ...rest], sources, values, path };
}

/**
 * A message about a setting's value (`--format: 'xml' is not …`) said of what the user typed:
 * `DSTREAM_FORMAT: …` when the environment set it, `--config FILE: format: …` when the file did.
 */
export function settingOrigin(message: string, cfg: ConfiguredArgv): string {
  const m = /^--([a-z][\w-]*):/.exec(message);
  const source = m ? cfg.sources.get(m[1]!) : undefined;
  if (source === 'env') return envName(m![1]!) + message.slice(m![0].length - 1);
  if (source === 'config') return `--config ${cfg.path}: ${message.slice(2)}`;
  return message;
}

/**
 * Text of `--print-config`: one `name = value  (source)` line per setting that is not a default.
 * @param counts settings that take a whole number (`print`, `year`, …): a value in digits is shown as a number (`print = 5`).
 */
export function printConfig(parsed: Record<string, unknown>, sources: Map<string, SettingSource>, known: readonly string[], counts: readonly string[] = []): string {
  const lines: string[] = [];
  for (const name of known) {
    const v = parsed[name];
    if (v === undefined || name === 'help' || name === 'version' || name === 'print-config' || name === 'config') continue;
    const source = sources.get(name) ?? 'default';
    const number = counts.includes(name) && typeof v === 'string' && /^\d+$/.test(v) && Number.isSafeInteger(Number(v));
    lines.push(`${name} = ${number ? String(Number(v)) : JSON.stringify(v)}  (${source})`);
  }
  return lines.join('\n') + '\n';
}
