/**
 * J1 baseline: top 10 hashtags over the whole input (tweet-like text on stdin).
 *
 * Idiomatic Node.js, the way a TypeScript user would write it without dstream:
 * readline over stdin, a Map of counts, a sort at the end. A hashtag is
 * `/#[\p{L}\p{M}\p{N}_]+/gu`, lower-cased (dstream's `hashtags()` helper).
 * Output: `hashtag<TAB>count`, 10 lines, by count descending, ties by
 * hashtag ascending (dstream's `--top` order).
 */
import readline from 'node:readline';

const HASHTAG = /#[\p{L}\p{M}\p{N}_]+/gu;
const counts = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  for (const m of line.matchAll(HASHTAG)) {
    const tag = m[0].toLowerCase();
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
}

const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 10);
process.stdout.write(top.map(([tag, n]) => `${tag}\t${n}\n`).join(''));
