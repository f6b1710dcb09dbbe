/**
 * `--help` text laid out for the terminal it is shown on: yargs renders the
 * option groups unwrapped (`.wrap(null)`), and this module wraps them at the
 * terminal width on word boundaries (never inside a word: a flag or a
 * function copied from the help must work), with the description of an
 * option in a hanging column, or below the flag when the column would be too
 * narrow. Examples are one block each: a `#` comment line, then the command
 * broken at unquoted spaces with ` \` continuations, so that it can be
 * copied into a shell as is.
 */

/** Columns used when the width of the output is unknown (not a terminal, no valid `COLUMNS`). */
export const DEFAULT_HELP_WIDTH = 80;

/** A description narrower than this goes below its flag instead of beside it. */
const MIN_DESCRIPTION_WIDTH = 30;
/** Indent of a description written below its flag, and of example continuation lines. */
const BELOW_INDENT = 10;
const CONTINUATION_INDENT = 4;

/**
 * The width to lay help out at: the terminal's columns when `stream` is a
 * terminal, else `COLUMNS` from the environment when it is a number ≥ 40,
 * else 80.
 */
export function helpWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols >= 40 ? cols : DEFAULT_HELP_WIDTH;
}

/**
 * Greedy word wrap: `text`'s words (split on spaces) packed into lines of at
 * most `width` columns, the first line after `first`, the others after
 * `indent` spaces. A word longer than a line stays whole on its own line.
 */
export function wrapWords(text: string, width: number, indent: number, first = ' '.repeat(indent)): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

// "      --map             FN: one output …", "  -h, --help  Show help", "  130  interrupted twice": a term, 2+ spaces, a description.
const TERM_LINE = /^( +)(\S+(?:, \S+)*)( {2,})(\S.*)$/;

/**
 * Wraps one line of help text at `width` (see module doc). A line without
 * leading spaces or a term column is a paragraph, wrapped at `width` with the
 * same indent.
 */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const m = TERM_LINE.exec(line);
  if (m) {
    const head = m[1]! + m[2]!;
    const column = head.length + m[3]!.length;
    const longest = Math.max(...m[4]!.split(' ').map((w) => w.length));
    if (width - column >= Math.max(MIN_DESCRIPTION_WIDTH, longest)) return wrapWords(m[4]!, width, column, head + m[3]!);
    return [head, ...wrapWords(m[4]!, width, BELOW_INDENT)];
  }
  const indent = /^ */.exec(line)![0].length;
  return wrapWords(line.slice(indent), width, indent);
}

/** Wraps every line of `text` at `width` columns (see module doc). */
export function wrapHelp(text: string, width: number): string {
  return text.split('\n').flatMap((l) => wrapLine(l.trimEnd(), width)).join('\n');
}

/**
 * Splits a shell command into units that may not be broken: words outside
 * quotes, with a flag kept together with its value (`--window 5m`) and a
 * redirection with its file (`< access.log`).
 */
export function shellUnits(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ' ') {
      if (word) words.push(word);
      word = '';
      continue;
    }
    word += ch;
  }
  if (word) words.push(word);
  const units: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    const takesNext = next !== undefined && !next.startsWith('-') && !['|', '<', '>'].includes(next)
      && (w.startsWith('--') || w === '<' || w === '>');
    units.push(takesNext ? `${w} ${next}` : w);
    if (takesNext) i++;
  }
  return units;
}

/**
 * An example as a block: `# what it does`, then the command broken between
 * `shellUnits` with ` \` line continuations, continuation lines indented.
 */
export function exampleBlock(command: string, what: string, width: number, indent = 2): string[] {
  return [...wrapWords(`# ${what}`, width, indent + 2, ' '.repeat(indent)), ...commandLines(command, width, indent)];
}

/** A shell command broken between `shellUnits` with ` \` continuations (continuation lines indented 4 more). */
export function commandLines(command: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = ' '.repeat(indent);
  let empty = true;
  for (const unit of shellUnits(command)) {
    if (!empty && line.length + 1 + unit.length + 2 > width) {
      lines.push(`${line} \\`);
      line = ' '.repeat(indent + CONTINUATION_INDENT);
      empty = true;
    }
    line += (empty ? '' : ' ') + unit;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * The full `--help` text.
 * @param options yargs' help output for the flags, unwrapped (`.wrap(null)`), without examples or epilogue.
 * @param examples `[command, what it does]` pairs.
 * @param epilogue text after the examples (paragraphs and term lines, as `options`).
 * @param width columns to wrap at.
 */
export function renderHelp(options: string, examples: readonly (readonly [string, string])[], epilogue: string, width: number): string {
  const blocks = examples.map(([cmd, what]) => exampleBlock(cmd, what, width).join('\n'));
  return `${wrapHelp(options.trimEnd(), width)}\n\nExamples:\n${blocks.join('\n\n')}\n\n${wrapHelp(epilogue, width)}\n`;
}
