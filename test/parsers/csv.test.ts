import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { createCsvParser, endsInQuotedField } from '../../src/parsers/csv.js';
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
  });

  it('reads every tweet, also the 1,774 whose quoted text spans lines: 12,118 records, as Python\'s csv module', () => {
    // 16,300 lines = header + 12,118 rows, 1,774 of them over several lines (quoted line breaks).
    const lines = tweets();
    expect(lines).toHaveLength(16300);
    const { records, errors } = parseAll(createCsvParser(), lines);
    expect(errors).toEqual([]);
    expect(records).toHaveLength(12118);
    expect(records.filter((r) => String(r.text).includes('\n'))).toHaveLength(1774);
    expect(records.every((r) => /^2017-08-27 \d\d:\d\d:\d\d$/.test(String(r.created_at)))).toBe(true);
  });
});

describe('csv quoting (RFC 4180 §2)', () => {
  const row = (line: string) => {
    const csv = createCsvParser();
    csv.parse('a,b,c');
    return csv.parse(line);
  };
  it('splits plain, empty and quoted fields', () => {
    expect(row('a,b,c')).toEqual({ a: 'a', b: 'b', c: 'c' });
    expect(row(',,')).toEqual({ a: '', b: '', c: '' });
    expect(row('"a,b","",c')).toEqual({ a: 'a,b', b: '', c: 'c' });
    expect(row('"he said ""hi""",x,""""')).toEqual({ a: 'he said "hi"', b: 'x', c: '"' });
    expect(row(' a , b ,c\r')).toEqual({ a: ' a ', b: ' b ', c: 'c' });
    expect(row('a,b"c,d')).toEqual({ a: 'a', b: 'b"c', c: 'd' }); // a quote inside an unquoted field is text
  });

  it('a quoted field spans lines: the record ends with the line that closes it', () => {
    const csv = createCsvParser();
    csv.parse('id,text,n');
    expect(csv.parse('1,"first')).toBeUndefined();
    expect(csv.spanned).toBeUndefined();
    expect(csv.parse('second "" still open,')).toBeUndefined();
    expect(csv.parse('third",9')).toEqual({ id: '1', text: 'first\nsecond " still open,\nthird', n: '9' });
    expect(csv.spanned).toBe('1,"first\nsecond "" still open,\nthird",9');
    expect(csv.parse('2,x,3')).toEqual({ id: '2', text: 'x', n: '3' });
    expect(csv.spanned).toBeUndefined();
    expect(csv.parse('3,"never closed')).toBeUndefined();
    expect(csv.finish!()).toBe('3,"never closed');
    expect(csv.finish!()).toBeUndefined();
  });

  it('a quoted field is open at the end of a line only when its opening quote starts a field', () => {
    expect(endsInQuotedField('a,"b', false, ',')).toBe(true);
    expect(endsInQuotedField('a,"b""', false, ',')).toBe(true);
    expect(endsInQuotedField('a,"b"""', false, ',')).toBe(false);
    expect(endsInQuotedField('x",y', true, ',')).toBe(false);
    expect(endsInQuotedField('x"",y', true, ',')).toBe(true);
    expect(endsInQuotedField('a,b"c', false, ',')).toBe(false);
    expect(endsInQuotedField('a;"b,', false, ';')).toBe(true);
  });

  it('an open record longer than the limit is an error, and reading starts afresh', () => {
    const csv = createCsvParser(',', 20);
    csv.parse('a,b');
    expect(csv.parse('1,"0123456789')).toBeUndefined();
    expect(() => csv.parse('0123456789')).toThrow('csv: missing closing quote: the record is over 20 characters');
    expect(csv.parse('2,3')).toEqual({ a: '2', b: '3' });
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
    const csv = createCsvParser(',', 10);
    expect(csv.parse('"a,b')).toBeUndefined(); // an open quoted field: the header may go on
    expect(() => csv.parse('0123456789')).toThrow(ParseError);
    expect(() => csv.parse('1,2')).toThrow('csv: no header: the first line could not be read (csv: missing closing quote: the record is over 10 characters)');
  });
  it('keeps a __proto__ column as a field', () => {
    const csv = createCsvParser();
    csv.parse('__proto__,x');
    const r = csv.parse('1,2')!;
    expect(Object.keys(r)).toEqual(['__proto__', 'x']);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
});
