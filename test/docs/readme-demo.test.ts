/**
 * README: what `npm run demo` prints, as the README shows it, and the examples of `hashtags()`,
 * `words()` and `field()` given where they are first used. The demo script runs the real binary on
 * the bundled data (skipped when it is absent).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, collectExit, type RunResult } from '../helpers/run-cli.js';
import { hashtags } from '../../src/operators/hashtags.js';
import { field, words } from '../../src/plan/text-scan.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TWEETS = join(ROOT, 'data', 'fivethirtyeight', 'mayweather_mcgregor_tweets.jsonl');
const LOG = join(ROOT, 'data', 'elastic-examples', 'apache_logs');

describe('README: the demo and the helper functions', () => {
  it.skipIf(!existsSync(TWEETS) || !existsSync(LOG))('the demo output begins as the README shows and has its last row', async () => {
    const block = /it begins:\n\n```\n([^`]*)```\n\nand ends with tsv rows \(window start, status, count\) such as `([^`]*)`/.exec(readme);
    expect(block).not.toBeNull();
    const r = await new Promise<RunResult>((resolve, reject) => {
      collectExit(spawn('bash', [join(ROOT, 'examples', 'demo.sh')], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }), resolve, reject);
    });
    expect(r.code, r.stderr).toBe(0);
    // The README's lines, an ellipsis standing for lines left out: each in order in the output.
    const out = r.stdout.split('\n');
    let at = 0;
    for (const line of block![1]!.trimEnd().split('\n').filter((l) => l !== '…')) {
      const i = out.indexOf(line, at);
      expect(i, line).toBeGreaterThanOrEqual(at);
      at = i + 1;
    }
    expect(out).toContain(block![2]);
  });

  it('hashtags(), words() and field() give what the README says', () => {
    expect(readme).toContain('(`hashtags("Go #Mayweather! #TBE_2017")` is `["#mayweather", "#tbe_2017"]`)');
    expect(hashtags('Go #Mayweather! #TBE_2017')).toEqual(['#mayweather', '#tbe_2017']);
    expect(readme).toContain('`words("it\'s 2 #fast_5")` is\n`["it\'s", "2", "fast_5"]`');
    expect(words("it's 2 #fast_5")).toEqual(["it's", '2', 'fast_5']);
    expect(readme).toContain('`field("a  b c", 2)` is `"b"`');
    expect(field('a  b c', 2)).toBe('b');
    expect(field('a  b c', 9)).toBe('');
  });
});
