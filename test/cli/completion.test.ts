/**
 * `dstream completion bash|zsh`: the generated scripts, run by the real shells.
 * bash: the completion function called as bash calls it (COMP_WORDS/COMP_CWORD);
 * zsh (when installed): syntax, registration with compinit, and completions
 * through a real interactive zsh in a pseudo-terminal (zsh/zpty).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript, type CompletionFlag } from '../../src/cli/completion.js';
import { BIN, ROOT } from '../helpers/run-cli.js';

/** A slice of dstream's flags, as the CLI passes them (names as yargs keys). */
const FLAGS: CompletionFlag[] = [
  { name: 'map', takesValue: true, description: 'FN: one output record per record' },
  { name: 'count', takesValue: false },
  { name: 'count-by-value', takesValue: false },
  { name: 'window', takesValue: true, description: 'LENGTH: window length' },
  { name: 'watermark', takesValue: true },
  { name: 'format', takesValue: true, choices: ['text', 'json', 'tsv', 'csv'], description: 'output format [text]: it\'s "quoted"' },
  { name: 'output-mode', takesValue: true, choices: ['append', 'update', 'complete'] },
  { name: 'output', takesValue: true },
  { name: 'after-read', takesValue: true },
  { name: 'no-color', takesValue: false },
  { name: 'help', takesValue: false },
  { name: 'h', takesValue: false },
];

const dir = mkdtempSync(join(tmpdir(), 'dstream-completion-'));
function scriptFile(shell: 'bash' | 'zsh', flags: CompletionFlag[] = FLAGS): string {
  const file = join(dir, `dstream.${shell}`);
  writeFileSync(file, completionScript(shell, flags));
  return file;
}

const has = (cmd: string) => spawnSync(cmd, ['--version']).error === undefined;
const ZSH = has('zsh');

/** Completions bash offers for the command line `words` (the last one being completed). */
function bashComplete(words: string[], file = scriptFile('bash')): string[] {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c',
    'source "$1" || exit 9; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _dstream; printf "%s\\n" "${COMPREPLY[@]}"',
    'bash', file, ...words], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * zsh -f capture.zsh DIR 'command line' FILE: the matches that zsh's completion system offers
 * there, one per line. An interactive zsh in a pseudo-terminal (zsh/zpty), compinit with DIR
 * (holding _dstream) in $fpath, compadd wrapped to append each match to FILE, TAB typed; the
 * end of completion appends a last line "<done>". The result is read from FILE, never parsed
 * out of the terminal's output (under load zpty's reads can repeat a chunk: a match seen twice).
 */
const CAPTURE_ZSH = `# zsh -f capture.zsh DIR 'command line' FILE: the matches zsh's completion system offers there, one per line.
# An interactive zsh in a pseudo-terminal (zsh/zpty) with compinit and DIR in $fpath; compadd is wrapped
# to append each match to FILE, and the end of completion appends "<done>" to FILE and exits.
zmodload zsh/zpty
: >| $3
zpty z zsh -f -i
zpty -w z "PROMPT=''; RPROMPT=''; setopt no_beep; fpath=(\${(q)1} \\$fpath); autoload -Uz compinit; compinit -u -D; _capture_file=\${(q)3}"
zpty -w z 'compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; local h; for h in $hits; do print -r -- "$h" >> $_capture_file; done; builtin compadd "$@"; }'
zpty -w z 'bindkey "^I" complete-word; comppostfuncs=( _capture_end ); _capture_end() { print -r -- "<done>" >> $_capture_file; exit }'
zpty -w -n z "$2"$'\\t'
# Wait for the last line of FILE; meanwhile drain the terminal so that the shell never blocks writing to it.
integer deadline=$(( SECONDS + 60 ))
while [[ "$(<$3)" != *'<done>' ]] && (( SECONDS < deadline )); do
  zpty -r -t z chunk 2>/dev/null || sleep 0.05
done
zpty -d z 2>/dev/null
[[ "$(<$3)" == *'<done>' ]] || { print -u2 "no completion result within 60 s"; exit 1 }
print -r -- "\${\$(<$3)%'<done>'}"
exit 0
`;

/** Completions zsh offers for `line`, with the script autoloaded from $fpath as an installed _dstream. */
function zshComplete(line: string, flags: CompletionFlag[] = FLAGS): string[] {
  const fpathDir = mkdtempSync(join(dir, 'fpath-'));
  writeFileSync(join(fpathDir, '_dstream'), completionScript('zsh', flags));
  const capture = join(dir, 'capture.zsh');
  writeFileSync(capture, CAPTURE_ZSH);
  const r = spawnSync('zsh', ['-f', capture, fpathDir, line, `${fpathDir}.matches`], { encoding: 'utf8', timeout: 90_000, env: { ...process.env, HOME: dir } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('registers _dstream for dstream, falling back to file names', () => {
    const r = spawnSync('bash', ['--norc', '-c', 'source "$1" && complete -p dstream', 'bash', scriptFile('bash')], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -o default -F _dstream dstream');
  });

  it('completes --win to --window', () => {
    expect(bashComplete(['dstream', '--win'])).toEqual(['--window']);
    expect(bashComplete(['dstream', '--map', 'l => l', '--count', '--output-m'])).toEqual(['--output-mode']);
  });

  it('offers every flag after a dash, short ones included', () => {
    const all = bashComplete(['dstream', '-']);
    expect(all).toEqual(expect.arrayContaining(['--map', '--count-by-value', '--format', '--no-color', '--help', '-h']));
    expect(all).toHaveLength(FLAGS.length);
    expect(bashComplete(['dstream', '--count'])).toEqual(['--count', '--count-by-value']);
  });

  it('offers the choices of --format and --output-mode', () => {
    expect(bashComplete(['dstream', '--format', ''])).toEqual(['text', 'json', 'tsv', 'csv']);
    expect(bashComplete(['dstream', '--count', '--format', 'ts'])).toEqual(['tsv']);
    expect(bashComplete(['dstream', '--output-mode', 'u'])).toEqual(['update']);
  });

  it('handles --format=VALUE, split at = by bash or not', () => {
    expect(bashComplete(['dstream', '--format', '=', 'j'])).toEqual(['json']);
    expect(bashComplete(['dstream', '--format', '='])).toEqual(['text', 'json', 'tsv', 'csv']);
    expect(bashComplete(['dstream', '--format=c'])).toEqual(['--format=csv']);
  });

  it('leaves other values to file-name completion (no reply), not to flags', () => {
    expect(bashComplete(['dstream', '--output', ''])).toEqual([]);
    expect(bashComplete(['dstream', '--window', '1'])).toEqual([]);
    expect(bashComplete(['dstream', '--count', 'x'])).toEqual([]);
  });

  it('completes the subcommands and their arguments', () => {
    expect(bashComplete(['dstream', ''])).toEqual(['checkpoint', 'completion']);
    expect(bashComplete(['dstream', 'checkpoint', 'i'])).toEqual(['inspect']);
    expect(bashComplete(['dstream', 'checkpoint', 'reset', ''])).toEqual([]);
    expect(bashComplete(['dstream', 'completion', ''])).toEqual(['bash', 'zsh']);
  });

  it('works with no flags and no subcommands at all', () => {
    const file = join(dir, 'empty.bash');
    writeFileSync(file, completionScript('bash', [], []));
    expect(bashComplete(['dstream', '--x'], file)).toEqual([]);
    expect(bashComplete(['dstream', ''], file)).toEqual([]);
  });
});

describe('zsh completion', () => {
  it.skipIf(!ZSH)(ZSH ? 'is valid zsh (zsh -n)' : 'is valid zsh (skipped: zsh is not installed)', () => {
    const r = spawnSync('zsh', ['-n', scriptFile('zsh')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!ZSH)(ZSH ? 'registers _dstream with compinit when sourced' : 'registers with compinit (skipped: zsh is not installed)', () => {
    const r = spawnSync('zsh', ['-f', '-c', 'autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- $_comps[dstream]', 'zsh', scriptFile('zsh')], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('_dstream');
  });

  it.skipIf(!ZSH)(ZSH ? 'completes in a real zsh: --win to --window, --format choices, subcommands' : 'completes in a real zsh (skipped: zsh is not installed)', () => {
    expect(zshComplete('dstream --win')).toEqual(['--window']);
    expect(zshComplete('dstream --count --format ')).toEqual(['text', 'json', 'tsv', 'csv']);
    expect(zshComplete('dstream --format=j')).toEqual(['json']);
    expect(zshComplete('dstream --output-mode u')).toEqual(['update']);
    expect(zshComplete('dstream ')).toEqual(['checkpoint', 'completion']);
    expect(zshComplete('dstream completion ')).toEqual(['bash', 'zsh']);
    expect(zshComplete('dstream -').sort()).toEqual(['--after-read', '--count', '--count-by-value', '--format', '--help', '--map', '--no-color', '--output', '--output-mode', '--watermark', '--window', '-h']);
  }, 120_000);

  it('quotes descriptions for _arguments and the shell', () => {
    const script = completionScript('zsh', FLAGS);
    expect(script).toContain(`'*--format=[output format \\[text\\]\\: it'\\''s "quoted"]:format:(text json tsv csv)'`);
    expect(script).toContain(`'*--window=[LENGTH\\: window length]:window:_files'`);
    expect(script).toMatch(/^ {4}'\*-h'( \\)?$/m); // no description given: none shown
    expect(script).toContain(`'*--output=:output:_files'`);
    expect(script).toMatch(/^#compdef dstream\n/);
  });
});

describe('completionScript', () => {
  it('accepts names with or without dashes, once each, sorted', () => {
    const a = completionScript('bash', [{ name: '--format', takesValue: true, choices: ['json'] }, { name: 'format', takesValue: true }, { name: 'batch', takesValue: true }]);
    expect(a).toContain(`compgen -W '--batch --format'`);
  });

  it('refuses names and choices that would need quoting in a shell script', () => {
    expect(() => completionScript('bash', [{ name: 'a b', takesValue: false }])).toThrow(/flag name/);
    expect(() => completionScript('bash', [{ name: 'x', takesValue: true, choices: ['$(reboot)'] }])).toThrow(/choice/);
    expect(() => completionScript('zsh', [{ name: "it's", takesValue: false }])).toThrow(/flag name/);
    expect(() => completionScript('fish' as 'bash', FLAGS)).toThrow(/unknown shell/);
  });
});

/** Once main.ts routes `dstream completion SHELL` here: the real flags, through the real binary. */
describe('dstream completion (the CLI)', () => {
  const run = (shell: string) => spawnSync(process.execPath, [BIN, 'completion', shell], { cwd: ROOT, encoding: 'utf8' });
  const wired = run('bash').status === 0;
  it.skipIf(!wired)(wired ? 'prints a bash script that completes the real flags' : 'prints completion scripts (skipped: `dstream completion` is not wired into main.ts yet)', () => {
    const file = join(dir, 'cli.bash');
    writeFileSync(file, run('bash').stdout);
    expect(bashComplete(['dstream', '--win'], file)).toEqual(['--window']);
    expect(bashComplete(['dstream', '--format', ''], file)).toEqual(expect.arrayContaining(['text', 'json', 'tsv', 'csv']));
    expect(bashComplete(['dstream', '--checkpoint-m'], file)).toEqual(['--checkpoint-mismatch']);
    const zsh = run('zsh');
    expect(zsh.status).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef dstream\n/);
    const bad = run('fish');
    expect(bad.status).toBe(2);
  });
});
