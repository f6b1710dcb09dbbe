import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createCsvParser, splitCsvLine } from '../../src/parsers/csv.js';
import { ParseError } from '../../src/parsers/errors.js';
import { HAS_SHARED, parseAll, readLines, SHARED } from './data.js';

describe.skipIf(!HAS_SHARED)('csv on the tweets CSV (header, RFC 4180 quoting, multi-line texts)', () => {
  const tweets = () => readLines(SHARED, 'fivethirtyeight/mayweather_mcgregor_tweets.csv');

  it('reads the header, then exact rows, with "" as one quote', () => {
    const lines = tweets();
    const csv = createCsvParser();
    expect(csv.eventTimeField).toBeUndefined();
    expect(csv.parse(lines[0]!)).toBeUndefined();
    expect(csv.eventTimeField).toBe('created_at');
    expect(csv.parse(lines[1]!)).toEqual({
      created_at: '2017-08-27 00:05:34', emojis: 'True', retweeted: 'False', user: 'user00001',
      text: 'Ringe çıkmadan ateş etmeye başladı 😃#McGregor https://t.co/mJHDvLfIVc',
    });
    const row184 = parseAll(csv, lines.slice(2, 184)).records.at(-1);
    expect(row184).toEqual({
      created_at: '2017-08-27 00:06:08', emojis: 'True', retweeted: 'False', user: 'user00131',
      text: `"What if Lil Wayne sang the National Anthem, he'd be like Weezy F Baby and the F is for freedom" -@HunterCorn23 😂😂😂😂#MayweathervMcGregor`,
    });
  });

  it('every one-line tweet is a record; every line of the 1,774 tweets spanning lines is an error', () => {
    // 16,300 lines = header + 10,344 one-line rows + 5,955 lines of rows whose
    // quoted text holds line breaks (counted independently by quote parity).
    const lines = tweets();
    expect(lines).toHaveLength(16300);
    const { records, errors } = parseAll(createCsvParser(), lines);
    expect(records).toHaveLength(10344);
    expect(errors).toHaveLength(5955);
    expect(records.every((r) => /^2017-08-27 \d\d:\d\d:\d\d$/.test(String(r.created_at)))).toBe(true);
    const kinds = new Set(errors.map((e) => e.message.replace(/\d+/g, 'N').replace(/, got .*$/, ', got …')));
    expect([...kinds].sort()).toEqual([
      'csv: expected \',\' or the end of the line after the closing quote of field N, got …',
      'csv: missing closing quote of field N (a quoted field cannot span lines in line mode)',
      'csv: row has N field, the header has N',
      'csv: row has N fields, the header has N',
      'csv: unexpected quote in unquoted field N (RFC N: enclose the field in quotes and double the quote)',
    ]);
    expect(errors.filter((e) => e.message.startsWith('csv: missing closing quote'))).toHaveLength(1774);
  });
});

describe('csv quoting (RFC 4180 §2)', () => {
  const split = (line: string) => splitCsvLine(line, 44);
  it('splits plain, empty and quoted fields', () => {
    expect(split('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(split('')).toEqual(['']);
    expect(split(',')).toEqual(['', '']);
    expect(split('a,,')).toEqual(['a', '', '']);
    expect(split('"a,b","",c')).toEqual(['a,b', '', 'c']);
    expect(split('"he said ""hi""",x')).toEqual(['he said "hi"', 'x']);
    expect(split('""""')).toEqual(['"']);
    expect(split(' a , b ')).toEqual([' a ', ' b ']);
    expect(split('"x",')).toEqual(['x', '']);
    expect(split('a,"b"\r')).toEqual(['a', 'b']);
  });
  it('rejects what RFC 4180 does not allow, and a field cut by a line break', () => {
    expect(() => split('"abc')).toThrow('csv: missing closing quote of field 1 (a quoted field cannot span lines in line mode)');
    expect(() => split('a,"b""')).toThrow('csv: missing closing quote of field 2');
    expect(() => split('a,b"c')).toThrow('csv: unexpected quote in unquoted field 2 (RFC 4180: enclose the field in quotes and double the quote)');
    expect(() => split('"a" ,b')).toThrow("csv: expected ',' or the end of the line after the closing quote of field 1, got ' ,b'");
  });
  it('uses the configured delimiter; a comma is then data', () => {
    const tsv = createCsvParser('\t');
    tsv.parse('name\tnote');
    expect(tsv.parse('x\t"a\tb"')).toEqual({ name: 'x', note: 'a\tb' });
    expect(tsv.parse('y\ta, b')).toEqual({ name: 'y', note: 'a, b' });
    const semi = createCsvParser(';');
    semi.parse('a;b');
    expect(semi.parse('1,5;"x;y"')).toEqual({ a: '1,5', b: 'x;y' });
  });
  it('rejects a delimiter that is not one character, a quote or a line break', () => {
    for (const d of ['', ';;', '"', '\n', '\r']) expect(() => createCsvParser(d)).toThrow(ConfigError);
    expect(() => createCsvParser('ab')).toThrow('--parse csv: the delimiter must be one character other than a quote or a line break, got "ab"');
  });
});

describe('csv header and rows', () => {
  it('drops a BOM, names empty columns, numbers repeated names', () => {
    const csv = createCsvParser();
    expect(csv.parse('\uFEFFid,,name,name,name')).toBeUndefined();
    expect(csv.parse('1,2,3,4,5')).toEqual({ id: '1', column_2: '2', name: '3', name_2: '4', name_3: '5' });
    expect(csv.eventTimeField).toBeUndefined();
  });
  it('rejects a row with a different field count than the header', () => {
    const csv = createCsvParser();
    csv.parse('a,b,c');
    expect(() => csv.parse('1,2')).toThrow('csv: row has 2 fields, the header has 3');
    expect(() => csv.parse('')).toThrow('csv: row has 1 field, the header has 3');
    expect(() => csv.parse('1,2,3,4')).toThrow('csv: row has 4 fields, the header has 3');
    expect(csv.parse('1,2,3')).toEqual({ a: '1', b: '2', c: '3' });
  });
  it('after an unreadable header every line is an error (no data row is taken for the header)', () => {
    const csv = createCsvParser();
    expect(() => csv.parse('"a,b')).toThrow(ParseError);
    expect(() => csv.parse('1,2')).toThrow('csv: no header: the first line could not be read (csv: missing closing quote of field 1 (a quoted field cannot span lines in line mode))');
  });
  it('keeps a __proto__ column as a field', () => {
    const csv = createCsvParser();
    csv.parse('__proto__,x');
    const r = csv.parse('1,2')!;
    expect(Object.keys(r)).toEqual(['__proto__', 'x']);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
});
