/**
 * The fields of each --parse format and the helpers inside FN are documented three times over —
 * in src/cli/topics.ts (`dstream help parse|functions`), in the man page's FIELDS and FUNCTIONS
 * sections — and all three agree with the code: the formats `createParser` knows, the helpers
 * FN can call, and the fields the parsers really produce on the bundled data.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createParser, PARSE_FORMATS } from '../../src/parsers/index.js';
import { HELPERS } from '../../src/plan/helpers.js';
import { HELPER_DOCS, PARSE_FORMAT_DOCS } from '../../src/cli/topics.js';
import { BIN, ROOT } from '../helpers/run-cli.js';

/** A section of the man page as plain text (fonts and escapes removed). */
function manSection(name: string): string {
  const roff = readFileSync(join(ROOT, 'man/dstream.1'), 'utf8');
  const start = Math.max(roff.indexOf(`.SH ${name}\n`), roff.indexOf(`.SH "${name}"\n`));
  expect(start, `no ${name} section in the man page`).toBeGreaterThan(-1);
  const end = roff.indexOf('\n.SH ', start + 1);
  return roff.slice(start, end).replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\&/g, '').replace(/\\e/g, '\\')
    .replace(/\\\(em/g, '—').replace(/\\\[pc\]/g, '·');
}

/** The tags (.TP lines) of a man page section. */
const tags = (section: string) => [...section.matchAll(/^\.TP\n(.*)$/gm)].map((m) => m[1]!);

function dstream(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
}

const lines = (file: string, n: number) => readFileSync(join(ROOT, file), 'utf8').split('\n').slice(0, n).filter(Boolean);

/** Field names a parser gives on `input` lines (errors skipped). */
function fieldsOf(format: string, input: string[]): Set<string> {
  const p = createParser(format, { year: 2017 });
  const names = new Set<string>();
  for (const l of input) {
    try {
      for (const k of Object.keys(p.parse(l) ?? {})) names.add(k);
    } catch {
      /* a line of another shape */
    }
  }
  return names;
}

const documented = (format: string) => PARSE_FORMAT_DOCS.find((d) => d.format === format)!.fields.map(([f]) => f);

describe('--parse formats and their fields', () => {
  it('every format createParser knows is documented in topics.ts and is an item of the man page FIELDS', () => {
    expect(PARSE_FORMAT_DOCS.map((d) => d.format)).toEqual([...PARSE_FORMATS]);
    expect(tags(manSection('FIELDS'))).toEqual([...PARSE_FORMATS]);
  });

  it('every named field is in the man page FIELDS section', () => {
    const man = manSection('FIELDS');
    const missing = PARSE_FORMAT_DOCS.flatMap((d) => d.fields.map(([f]) => f)).filter((f) => f !== '*' && !new RegExp(`\\b${f}\\b`).test(man));
    expect(missing).toEqual([]);
  });

  it('the documented fields are exactly those the parsers give on real lines', () => {
    const apache = lines('data/elastic-examples/apache_logs', 2000);
    expect([...fieldsOf('combined', apache)].sort()).toEqual(documented('combined').sort());
    const common = apache.map((l) => l.replace(/ "[^"]*" "[^"]*"$/, ''));
    expect([...fieldsOf('common', common)].sort()).toEqual(documented('common').sort());
    const syslog = [
      ...lines('data/elastic-examples/auth.log', 2000),
      '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event',
    ];
    expect([...fieldsOf('syslog', syslog)].sort()).toEqual(documented('syslog').sort());
  });

  it('dstream help parse (and --help parse) prints every format and field', () => {
    const r = dstream(['help', 'parse']);
    expect(r.status, r.stderr).toBe(0);
    for (const d of PARSE_FORMAT_DOCS) {
      expect(r.stdout).toContain(`  ${d.format}  ${d.what}`);
      for (const [f] of d.fields) expect(r.stdout).toMatch(new RegExp(`^ {6}${f.replace('*', '\\*')} `, 'm'));
    }
    expect(dstream(['--help', 'parse']).stdout).toBe(r.stdout);
    expect(dstream(['parse', '--help']).stdout).toBe(r.stdout);
  });
});

describe('helpers inside FN', () => {
  it('every helper is documented in topics.ts, the man page FUNCTIONS and dstream help functions', () => {
    expect(HELPER_DOCS.map((h) => h.name).sort()).toEqual(Object.keys(HELPERS).sort());
    expect(tags(manSection('FUNCTIONS')).map((t) => t.replace(/\(.*/, ''))).toEqual(HELPER_DOCS.map((h) => h.name));
    const r = dstream(['help', 'functions']);
    expect(r.status, r.stderr).toBe(0);
    for (const h of HELPER_DOCS) expect(r.stdout).toContain(`  ${h.signature}  `);
  });

  it('the man page documents --event-time auto', () => {
    expect(manSection('EVENT TIME')).toContain('--event-time auto');
  });

  it('an unknown topic is a usage error naming the topics', () => {
    const r = dstream(['help', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("dstream: help: unknown topic 'nope'; use one of parse, functions (or dstream --help for the flags)\n");
  });
});
