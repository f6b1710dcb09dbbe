/**
 * The man page: man/dstream.1 is generated from docs/dstream.1.md (npm run build),
 * lint-clean under mandoc, and documents every flag that the built binary's
 * --help prints (read at test time, so a new flag without documentation fails here)
 * and every exit code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMan } from '../../scripts/build-man.js';
import { BIN, ROOT } from '../helpers/run-cli.js';

const SOURCE = join(ROOT, 'docs/dstream.1.md');
const PAGE = join(ROOT, 'man/dstream.1');
const HOW_TO_DOCUMENT = 'document each as an item of docs/dstream.1.md (`* **--flag** *ARG*:` then the description on indented lines) and run npm run build';

const MANDOC = spawnSync('mandoc', ['-V']).error === undefined;

/** Roff text → plain text: fonts, \- and \& removed. */
function plain(roff: string): string {
  return roff.replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\&/g, '').replace(/\\e/g, '\\');
}

/** The man page's sections, each with its tagged-paragraph tags (the line after .TP), as plain text. */
function sections(roff: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  const lines = roff.split('\n');
  lines.forEach((line, i) => {
    const sh = /^\.SH "?(.*?)"?$/.exec(line);
    if (sh) {
      current = plain(sh[1]!);
      out.set(current, []);
    } else if (line === '.TP' && i + 1 < lines.length) {
      out.get(current)?.push(plain(lines[i + 1]!));
    }
  });
  return out;
}

/** The flags of `dstream --help`, from its first column only (descriptions wrap and mention flags too). */
function helpFlags(help: string): string[] {
  const flags = new Set<string>();
  for (const line of help.split('\n')) {
    // "  -h, --help     Show help" or "      --map  FN: ..."; continuation lines are indented further.
    const m = /^(?: {2}-[A-Za-z], | {6})(--[A-Za-z0-9][\w-]*(?:, --?[A-Za-z0-9][\w-]*)*)(?: {2,}|$)/.exec(line);
    if (m) for (const f of m[1]!.split(', ')) if (f.startsWith('--')) flags.add(f);
  }
  return [...flags];
}

function runHelp(): string {
  const r = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } }); // --help wraps at $COLUMNS in a pipe
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('man page', () => {
  it('is built: man/dstream.1 is docs/dstream.1.md rendered (run npm run build after editing the Markdown)', () => {
    expect(existsSync(PAGE), 'man/dstream.1 missing: npm run build').toBe(true);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const expected = renderMan(readFileSync(SOURCE, 'utf8'), { version });
    expect(readFileSync(PAGE, 'utf8') === expected, 'man/dstream.1 is stale or edited by hand: edit docs/dstream.1.md and run npm run build').toBe(true);
    expect(expected).toMatch(/^\.TH DSTREAM 1 \d{4}-\d\d-\d\d "dstream \S+" "User Commands"\n\.ad l\n\.SH NAME\n/);
  });

  it.skipIf(!MANDOC)(MANDOC ? 'mandoc -Tlint reports nothing' : 'mandoc -Tlint reports nothing (skipped: mandoc is not installed; apt-get install mandoc)', () => {
    const r = spawnSync('mandoc', ['-Tlint', '-W', 'style', PAGE], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('documents every long option that the built binary\'s --help prints, as a tagged item', () => {
    const flags = helpFlags(runHelp());
    // The parse itself: a change of yargs' layout must not make this test vacuous.
    expect(flags.length).toBeGreaterThan(40);
    expect(flags).toEqual(expect.arrayContaining(['--map', '--window', '--format', '--checkpoint', '--watch', '--help', '--version']));
    const tags = [...sections(readFileSync(PAGE, 'utf8')).values()].flat();
    const documented = new Set(tags.flatMap((t) => t.match(/--[A-Za-z0-9][\w-]*/g) ?? []));
    const missing = flags.filter((f) => !documented.has(f));
    expect(missing, `flags in --help but not in the man page: ${missing.join(' ')}; ${HOW_TO_DOCUMENT}`).toEqual([]);
  });

  it('documents no long option that --help does not know (renamed or removed flags)', () => {
    const flags = new Set(helpFlags(runHelp()));
    const tags = [...sections(readFileSync(PAGE, 'utf8')).values()].flat();
    const stale = [...new Set(tags.flatMap((t) => t.match(/^-?-[A-Za-z0-9][\w-]*|(?<=, )--[A-Za-z0-9][\w-]*/g) ?? []))]
      .filter((f) => f.startsWith('--') && !flags.has(f));
    expect(stale, `documented in docs/dstream.1.md but unknown to --help: ${stale.join(' ')}`).toEqual([]);
  });

  it('documents the exit codes 0, 1, 2, 75, 130 and every code --help lists', () => {
    const exit = sections(readFileSync(PAGE, 'utf8')).get('EXIT STATUS');
    expect(exit, 'no EXIT STATUS section').toBeDefined();
    const helpCodes = [...(/^Exit codes:\n((?: {2}\d+ .*\n)+)/m.exec(runHelp())?.[1] ?? '').matchAll(/^ {2}(\d+) /gm)].map((m) => m[1]!);
    expect(helpCodes).toEqual(expect.arrayContaining(['0', '1', '2', '75', '130']));
    for (const code of new Set(['0', '1', '2', '75', '130', ...helpCodes])) expect(exit, `exit code ${code}`).toContain(code);
  });

  it('names the flags exactly: every - in a tag is a minus sign (\\-), so that they can be copied and searched', () => {
    const roff = readFileSync(PAGE, 'utf8').split('\n');
    const tagLines = roff.filter((_, i) => roff[i - 1] === '.TP' && /\\-\\-/.test(roff[i]!));
    expect(tagLines.length).toBeGreaterThan(40);
    const bold = tagLines.flatMap((l) => [...l.matchAll(/\\fB(.*?)\\f[RIP]/g)].map((m) => m[1]!));
    expect(bold.filter((b) => /(?<!\\)-/.test(b))).toEqual([]);
  });
});

describe('build-man converter', () => {
  const page = (body: string) => renderMan(`<!-- date: 2026-01-02 -->\n# tool(1) -- does things\n\n${body}\n`, { version: '1.2.3' });

  it('title, sections, tagged items, bullets, code, hard breaks', () => {
    expect(page('## SYNOPSIS\n\n**tool** *FILE*\\\n**tool** **--help**\n\n## OPTIONS\n\n* **--out** *FILE*:\n  Writes *FILE*.\n\n  Second paragraph.\n* plain bullet\n\nAfter.\n\n```\n.dot -x \\ y\n```'))
      .toBe([
        '.TH TOOL 1 2026-01-02 "tool 1.2.3" "User Commands"', '.ad l', '.SH NAME', 'tool \\- does things',
        '.SH SYNOPSIS', '\\fBtool\\fR \\fIFILE\\fR', '.br', '\\fBtool\\fR \\fB\\-\\-help\\fR',
        '.SH OPTIONS', '.TP', '\\fB\\-\\-out\\fR \\fIFILE\\fR', 'Writes \\fIFILE\\fR.', '.IP', 'Second paragraph.',
        '.IP \\(bu 2', 'plain bullet', '.PP', 'After.',
        '.PP', '.RS 4', '.nf', '\\&.dot \\-x \\e y', '.fi', '.RE', '',
      ].join('\n'));
  });

  it('nested fonts, code spans, escapes, hyphens, non-ASCII', () => {
    const text = (md: string) => page(`## S\n\n${md}`).split('.SH S\n')[1]!.trim().replace(/\n/g, ' ');
    expect(text("**hashtags(*text*)** `'a-b' \\ x` *k*×*n* ≥ 1 — zone-less, -x, a - b \\*lit\\*")).toBe(
      "\\fBhashtags(\\fItext\\fB)\\fR \\fB'a\\-b' \\e x\\fR \\fIk\\fR\\(mu\\fIn\\fR \\(>= 1 \\(em zone-less, \\-x, a \\- b *lit*",
    );
    expect(text('**move:***DIR* and **[***start***,** *end***)**')).toBe('\\fBmove:\\fIDIR\\fR and \\fB[\\fIstart\\fB,\\fR \\fIend\\fB)\\fR');
  });

  it('one sentence per line, at most 80 bytes, no line starting with a control character', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const out = page(`## S\n\nFirst sentence, e.g. this one. Second ${words}. 'quoted' and\n.dotted`).split('\n');
    const body = out.slice(out.indexOf('.SH S') + 1);
    expect(body[0]).toBe('First sentence, e.g. this one.');
    for (const l of body) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(80);
    expect(body.filter((l) => /^['.]/.test(l) && !/^\.(PP|TP|IP|SH|SS|br)\b/.test(l))).toEqual([]);
  });

  it('refuses what it does not support, with the line number', () => {
    expect(() => page('> quote')).toThrow(/dstream\.1\.md:4: unsupported Markdown/);
    expect(() => page('**unclosed')).toThrow(/unclosed/);
    expect(() => page('a <b>tag</b>')).toThrow(/HTML/);
    expect(() => renderMan('# tool(1) -- x\n')).toThrow(/date/);
    expect(() => page(`* **--${'x'.repeat(70)}** *ARG*:\n  d`)).toThrow(/tag longer than 80 bytes/); // .TP: one line
    expect(() => page('* **--flag**:\n')).toThrow(/description/);
  });
});
