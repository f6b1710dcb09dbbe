/**
 * J4 baseline: total response bytes (field 10, `-` counts as 0) per client IP
 * (field 1) over an Apache access log on stdin; the top 10.
 *
 * Idiomatic Node.js: readline + Map, sort at the end. Output:
 * `ip<TAB>bytes`, 10 lines, by bytes descending, ties by IP ascending.
 */
import readline from 'node:readline';

const totals = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const f = line.split(' ');
  totals.set(f[0], (totals.get(f[0]) ?? 0) + (+f[9] || 0));
}

const top = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 10);
process.stdout.write(top.map(([ip, bytes]) => `${ip}\t${bytes}\n`).join(''));
