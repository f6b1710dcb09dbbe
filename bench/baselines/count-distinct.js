/**
 * State baseline: occurrences of each distinct line on stdin (the
 * 1,000,000-distinct-keys job). Idiomatic Node.js: readline + Map.
 * Output: `line<TAB>count`.
 */
import readline from 'node:readline';

const counts = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) counts.set(line, (counts.get(line) ?? 0) + 1);

const out = [];
for (const [line, n] of counts) out.push(`${line}\t${n}\n`);
process.stdout.write(out.join(''));
