/**
 * Settings from a file and the environment: `--config FILE` (a JSON object
 * of long option names, e.g. `{"batch": "5s", "checkpoint": "/var/lib/x"}`)
 * and `DSTREAM_<OPTION>` variables (`DSTREAM_BATCH=5s`,
 * `DSTREAM_CHECKPOINT_INTERVAL=1m`), for every long option except the
 * operators, whose order only the command line can give. Precedence: flags >
 * environment > config file > defaults. `--print-config` shows the effective
 * settings and where each came from.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

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
  return [`--${name}`, String(value)];
}

/**
 * Merges `--config FILE` and `DSTREAM_*` settings into argv.
 * @param known long option names (without `--`) that may be set this way.
 * @param operators option names that must come from the command line.
 * @throws ConfigError for an unreadable or invalid config file, an unknown key, or an operator in it.
 */
export function applyConfig(argv: string[], env: NodeJS.ProcessEnv, known: readonly string[], operators: readonly string[]): ConfiguredArgv {
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
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      file = parsed as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`--config ${path}: ${(e as Error).message}`);
    }
    for (const key of Object.keys(file)) {
      if (operators.includes(key)) throw new ConfigError(`--config ${path}: '${key}' is an operator; operators are applied in command-line order, so give them as flags`);
      if (!settable.includes(key)) throw new ConfigError(`--config ${path}: unknown setting '${key}'`);
    }
  }
  for (const name of settable) {
    if (given.has(name) || (name === 'color' && given.has('no-color'))) continue;
    const e = env[envName(name)];
    if (e !== undefined) {
      const v = e === 'true' ? true : e === 'false' ? false : e;
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

/** Text of `--print-config`: one `name = value  (source)` line per setting that is not a default. */
export function printConfig(parsed: Record<string, unknown>, sources: Map<string, SettingSource>, known: readonly string[]): string {
  const lines: string[] = [];
  for (const name of known) {
    const v = parsed[name];
    if (v === undefined || name === 'help' || name === 'version' || name === 'print-config' || name === 'config') continue;
    const source = sources.get(name) ?? 'default';
    lines.push(`${name} = ${JSON.stringify(v)}  (${source})`);
  }
  return lines.join('\n') + '\n';
}
