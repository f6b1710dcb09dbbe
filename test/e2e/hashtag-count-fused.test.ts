/**
 * `--flat-map 't => hashtags(t)' --count-by-value`, the fused path (operators/stateless.ts
 * `fusedHashtagCount`, `ValueCounts.addHashtags`), against the general path of the same job
 * (`t => [...hashtags(t)]`, which the fusion does not recognise): stdout, stderr and exit code
 * byte for byte, on one thread and on two, on the bundled tweets' texts (non-ASCII tags, emoji,
 * CRLF lines, a line of invalid UTF-8, a line too long under --max-line-bytes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-hashtag-fused-'));
const TEXTS = join(dir, 'texts.txt');

beforeAll(() => {
  const tweets = readFileSync(join(ROOT, 'data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl'), 'utf8').trim().split('\n');
  const texts = tweets.map((l) => String((JSON.parse(l) as { text: string }).text).replace(/\n/g, ' '));
  const extra = ['#McGregor\r', '#ÉTÉ #été #Straße #İstanbul #𝐀𝐁 #中文', '#' + 'x'.repeat(300) + ' #short'];
  const body = Buffer.concat([Buffer.from([...texts, ...extra].join('\n') + '\n'), Buffer.from([0x23, 0x61, 0xff, 0x62, 0x0a])]);
  writeFileSync(TEXTS, Buffer.concat([body, body, body]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JSON_LINES = join(dir, 'tweets.jsonl');

beforeAll(() => {
  // The bundled tweets, plus records whose field cannot be read (null, a number, no text, a non-string text).
  const tweets = readFileSync(join(ROOT, 'data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl'), 'utf8');
  writeFileSync(JSON_LINES, (tweets + 'null\n7\n{"user":"x"}\n{"text":42}\n{"text":"#Last #LAST"}\n').repeat(2));
});

const FUSED = 't => hashtags(t)';
const GENERAL = 't => [...hashtags(t)]';

describe('--flat-map hashtags --count-by-value, fused', () => {
  it.each([
    ['top 10, one thread', ['--count-by-value', '--top', '10', '--format', 'tsv', '--workers', '1']],
    ['every count as json, one thread', ['--count-by-value', '--format', 'json', '--workers', '1']],
    ['every count, two threads', ['--count-by-value', '--format', 'tsv', '--workers', '2']],
    ['a line over --max-line-bytes skipped', ['--count-by-value', '--format', 'tsv', '--workers', '1', '--max-line-bytes', '200']],
  ])('%s: the same output as the general path', async (_name, rest) => {
    const fused = await runWithStdinFile(['--batch', '20d', '--flat-map', FUSED, ...rest], TEXTS);
    const general = await runWithStdinFile(['--batch', '20d', '--flat-map', GENERAL, ...rest], TEXTS);
    expect(fused.code, fused.stderr).toBe(0);
    expect(fused.stdout.length).toBeGreaterThan(100);
    expect({ stdout: fused.stdout, stderr: fused.stderr.replaceAll(FUSED, 'FN'), code: fused.code })
      .toEqual({ stdout: general.stdout, stderr: general.stderr.replaceAll(GENERAL, 'FN'), code: general.code });
  });
});

describe('--flat-map hashtags --count-by-value, whole pieces of lines at once (LineSplitter.onText)', () => {
  // (--workers N reads the file as one batch: it refuses --max-records-per-batch.)
  it('batches cut by --max-records-per-batch hold the same lines (--stats)', async () => {
    const rest = ['--count-by-value', '--top', '3', '--format', 'tsv', '--workers', '1', '--stats', '--max-records-per-batch', '3000'];
    const fused = await runWithStdinFile(['--batch', '20d', '--flat-map', FUSED, ...rest], TEXTS);
    const general = await runWithStdinFile(['--batch', '20d', '--flat-map', GENERAL, ...rest], TEXTS);
    // The batch lines without their timings: "batch 3 · 3,000 in, 3 out".
    const batches = (stderr: string): string[] => [...stderr.matchAll(/batch \d+ · [\d,]+ in, [\d,]+ out/g)].map((m) => m[0]);
    expect(fused.code, fused.stderr).toBe(0);
    expect(batches(fused.stderr).length).toBeGreaterThan(5);
    expect({ stdout: fused.stdout, batches: batches(fused.stderr) }).toEqual({ stdout: general.stdout, batches: batches(general.stderr) });
  });
});

describe("--flat-map 't => hashtags(t.text)' --count-by-value, fused", () => {
  it.each([
    ['every count, one thread', ['--count-by-value', '--format', 'tsv', '--workers', '1']],
    ['top 5, two threads', ['--count-by-value', '--top', '5', '--format', 'tsv', '--workers', '2']],
  ])('%s: the same output, errors included, as the general path', async (_name, rest) => {
    const fusedFn = 't => hashtags(t.text)';
    const generalFn = 't => [...hashtags(t.text)]';
    const fused = await runWithStdinFile(['--batch', '20d', '--map', 'JSON.parse', '--flat-map', fusedFn, ...rest], JSON_LINES);
    const general = await runWithStdinFile(['--batch', '20d', '--map', 'JSON.parse', '--flat-map', generalFn, ...rest], JSON_LINES);
    expect(fused.stderr).toContain("Cannot read properties of null (reading 'text')");
    expect(fused.stdout.length).toBeGreaterThan(50);
    expect({ stdout: fused.stdout, stderr: fused.stderr.replaceAll(fusedFn, 'FN'), code: fused.code })
      .toEqual({ stdout: general.stdout, stderr: general.stderr.replaceAll(generalFn, 'FN'), code: general.code });
  });
});
