/**
 * The words of `dstream --help` around the flags (examples, epilogue, exit
 * codes), the version, and "did you mean" for a mistyped flag.
 */
import { readFileSync } from 'node:fs';

/** The exit codes, as --help and the man page list them. */
export const EXIT_CODES_TEXT = `Exit codes:
  0    success (also when the reader of stdout went away)
  1    runtime failure (e.g. --on-error fail and a function threw, or every record failed in one)
  2    usage or configuration error (reported before any input is read)
  75   checkpoint in use
  130  interrupted twice (a first SIGINT/SIGTERM stops gracefully, a second SIGINT aborts)`;

/** Examples at the end of --help: [command, what it does]. */
export const EXAMPLES: [string, string][] = [
  [`tail -F access.log | dstream --map 'l => l.split(" ")[8]' --count-by-value --window 3600 --slide 60 --top 10`,
    'top 10 status codes over the last hour, every minute'],
  [`dstream --event-time 'l => l.split("[")[1].split("]")[0]' --map 'l => l.split(" ")[8]' --count-by-value --window 5m --format tsv < access.log`,
    'requests per status per 5-minute event-time window'],
  [`dstream --map JSON.parse --event-time 't => t.created_at' --flat-map 't => hashtags(t.text)' --count-by-value --window 10m --top 10 < tweets.jsonl`,
    'top 10 hashtags per 10 minutes of tweet time'],
];

/** The text after the flags in --help. */
export const EPILOGUE = `FN is a JavaScript function expression, compiled once; the helpers hashtags(text), words(text), field(line, n[, sep]), ip(text) and parseTime(text, format) are available (dstream help functions).
Durations: a bare number is seconds; units ms s m h d.

${EXIT_CODES_TEXT}

See man dstream for every flag; dstream help parse for the fields of each --parse format. Subcommands: dstream checkpoint inspect|reset DIR; dstream completion bash|zsh; dstream publish|cat|job|topic (distributed mode, see man dstream).`;

/** dstream's version, from package.json. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** "did you mean" for an unknown flag, among `known`. */
export function suggestFlag(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = levenshtein(unknown, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return bestD <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}
