/**
 * Likely mistakes are told, not silent: a function that returns `undefined`
 * for every record of a batch is warned about once, by its operator; `--top`
 * with nothing keyed before it is refused (exit 2, before any input is read);
 * a job in which every record failed in a function exits 1 with a summary.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { Emitter, type StreamNode } from '../../src/core/node.js';
import { StatelessNode } from '../../src/operators/stateless.js';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const TWEETS = `${ROOT}/data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl`;
const USAGE = ''; // a usage error is one line

describe('a function that returns undefined for every record', () => {
  it.skipIf(!existsSync(TWEETS))('a misspelt field on the bundled tweets: the result is kept, the operator is named once on stderr', async () => {
    const r = await runCli(['--batch', '1h', '--map', 'JSON.parse', '--map', 't => t.screen_name', '--count-by-value', '--format', 'tsv'], { file: TWEETS });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('\t12118\n'); // an undefined key is an empty tsv field
    expect(r.stderr).toBe("dstream: --map #2 't => t.screen_name': returned undefined for all 12118 records of a batch (a misspelt field? a function body in braces without return?); warned once\n");
  });

  it('--filter and --flat-map are watched too; a function that gives undefined for some records only is not', async () => {
    const filter = await runCli(['--batch', '1h', '--filter', 'l => { l.length > 1 }', '--count', '--format', 'tsv'], 'ab\ncd\n');
    expect(filter.stdout).toBe('0\n');
    expect(filter.stderr).toBe("dstream: --filter #1 'l => { l.length > 1 }': returned undefined for all 2 records of a batch (a misspelt field? a function body in braces without return?); warned once\n");
    const flat = await runCli(['--batch', '1h', '--map', 'l => ({ w: l })', '--flat-map', 'r => r.words', '--count', '--format', 'tsv'], 'a\n');
    expect(flat.stderr).toBe("dstream: --flat-map #2 'r => r.words': returned undefined for the only record of a batch (a misspelt field? a function body in braces without return?); warned once\n");
    const pairs = await runCli(['--map', 'l => [l.nope, 1]', '--reduce-by-key', 'sum', '--format', 'tsv'], 'a\nb\n');
    expect(pairs.stdout).toBe('\t2\n');
    expect(pairs.stderr).toBe("dstream: --map #1 'l => [l.nope, 1]': returned a pair with an undefined key for all 2 records of a batch (a misspelt field? a function body in braces without return?); warned once\n");
    const some = await runCli(['--map', 'l => l === "a" ? undefined : l', '--count-by-value', '--format', 'tsv'], 'a\nb\n');
    expect(some.stderr).toBe('');
    expect(some.stdout).toBe('\t1\nb\t1\n');
  });

  it('is warned once, not every batch; --parse (undefined for a CSV header) is not watched', () => {
    const issues = new IssueLog();
    const warnings: string[] = [];
    issues.onWarning((m) => warnings.push(m));
    const node = new StatelessNode([
      { kind: 'map', fn: (l: string) => l.split(','), label: '--parse csv' },
      { kind: 'map', fn: () => undefined, label: "--map 'r => r.x'", name: "--map #1 'r => r.x'" },
    ], issues);
    const sink = new (class extends Emitter implements StreamNode {
      record(): void {}
      beginGroup(): void {}
      endGroup(): void {}
      endBatch(): void {}
    })();
    node.connect(sink);
    node.prepare();
    for (let batch = 0; batch < 3; batch++) {
      node.record('a,b', NaN);
      node.endBatch({ timeMs: batch * 1000, index: batch, final: false });
    }
    node.endBatch({ timeMs: 3000, index: 3, final: true }); // an empty batch says nothing
    expect(warnings).toEqual(["--map #1 'r => r.x': returned undefined for the only record of a batch (a misspelt field? a function body in braces without return?); warned once"]);
  });
});

describe('--top with nothing keyed to rank', () => {
  it('is refused before any input is read: exit 2, one line with what to do', async () => {
    const cases: [string[], string][] = [
      [['--map', 'l => l.length', '--top', '3'], 'dstream: --top 3 ranks [key, value] pairs, but nothing before it gives them; put it after --count-by-value or --reduce-by-key (e.g. --map FN --count-by-value --top 3)\n'],
      [['--count', '--top', '5'], 'dstream: --top 5 ranks [key, value] pairs, but nothing before it gives them; put it after --count-by-value or --reduce-by-key (e.g. --map FN --count-by-value --top 5)\n'],
      [['--top', '2', '--count-by-value'], 'dstream: --top 2 ranks [key, value] pairs, but nothing before it gives them; put it after --count-by-value or --reduce-by-key (e.g. --map FN --count-by-value --top 2)\n'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, 'a\nb\n');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(message + USAGE);
    }
  });

  it('after a keyed aggregation it ranks as before', async () => {
    const r = await runCli(['--map', 'l => [l, 1]', '--reduce-by-key', 'sum', '--top', '1', '--format', 'tsv', '--batch', '1h'], 'a\nb\nb\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('b\t2\n');
  });
});

describe('every record failed in a function', () => {
  it('exit 1 with a summary naming the operator; the counts stay on stderr', async () => {
    const r = await runCli(['--batch', '1h', '--map', 'JSON.parse', '--count', '--format', 'tsv'], 'x\ny\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('0\n');
    expect(r.stderr.split('\n').slice(-3)).toEqual([
      "dstream: 2 records skipped (2 by --map 'JSON.parse')",
      "dstream: no record got through --map #1 'JSON.parse': all 2 failed in it (first errors above); exit 1",
      '',
    ]);
  });

  it.skipIf(!existsSync(TWEETS))('--workers: the counts of the threads are summed (exit 1 only when no thread let a record through)', async () => {
    const all = await runWithStdinFile(['--workers', '2', '--map', 'l => JSON.parse(l.slice(1))', '--count-by-value', '--format', 'tsv'], TWEETS);
    expect(all.code).toBe(1);
    expect(all.stdout).toBe('');
    expect(all.stderr.split('\n').slice(-3)).toEqual([
      "dstream: 12118 records skipped (12118 by --map 'l => JSON.parse(l.slice(1))')",
      "dstream: no record got through --map #1 'l => JSON.parse(l.slice(1))': all 12118 failed in it (first errors above); exit 1",
      '',
    ]);
    const warned = await runWithStdinFile(['--workers', '2', '--map', 'JSON.parse', '--map', 't => t.screen_name', '--count-by-value', '--format', 'tsv'], TWEETS);
    expect(warned.stdout).toBe('\t12118\n');
    expect(warned.stderr).toMatch(/^dstream: --map #2 't => t\.screen_name': returned undefined for all \d+ records of a batch \(a misspelt field\? a function body in braces without return\?\); warned once\n$/);
    const some = await runWithStdinFile(['--workers', '2', '--map', 'l => JSON.parse(l)', '--filter', 't => t.id % 2 === 0', '--count', '--format', 'tsv'], TWEETS);
    expect(some.code).toBe(0);
  });

  it('--parse, --event-time and a later operator count too; one record through, or an empty input, is exit 0', async () => {
    const parse = await runCli(['--batch', '1h', '--parse', 'json', '--count', '--format', 'tsv'], 'x\n');
    expect(parse.code).toBe(1);
    expect(parse.stderr).toContain('dstream: no record got through --parse json: all 1 failed in it (first errors above); exit 1\n');
    const time = await runCli(['--batch', '1h', '--event-time', 'l => l', '--count', '--window', '1m', '--format', 'tsv'], 'soon\nlater\n');
    expect(time.code).toBe(1);
    expect(time.stderr).toContain("dstream: no record got through --event-time 'l => l': all 2 failed in it (first errors above); exit 1\n");
    const later = await runCli(['--batch', '1h', '--map', 'l => l', '--filter', 'l => l.x.y', '--count', '--format', 'tsv'], 'a\n');
    expect(later.code).toBe(1);
    expect(later.stderr).toContain("dstream: no record got through --filter #2 'l => l.x.y': all 1 failed in it (first errors above); exit 1\n");
    const one = await runCli(['--batch', '1h', '--map', 'JSON.parse', '--count', '--format', 'tsv'], 'x\n1\n');
    expect(one.code).toBe(0);
    expect(one.stdout).toBe('1\n');
    const empty = await runCli(['--batch', '1h', '--map', 'JSON.parse', '--count', '--format', 'tsv'], '');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe('');
  });
});
