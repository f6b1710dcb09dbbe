/**
 * J2 baseline: number of requests per HTTP status over an Apache access log
 * on stdin (field 9 when the line is split on spaces).
 *
 * Idiomatic Node.js: readline + Map. Output: `status<TAB>count` per status.
 */
import readline from 'node:readline';

const counts = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const status = line.split(' ')[8];
  counts.set(status, (counts.get(status) ?? 0) + 1);
}

let out = '';
for (const [status, n] of counts) out += `${status}\t${n}\n`;
process.stdout.write(out);
