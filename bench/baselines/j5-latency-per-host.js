/**
 * J5 baseline: mean `latency_ms` per `host` over JSON lines on stdin.
 *
 * Idiomatic Node.js: readline, JSON.parse per line, a Map of running
 * [sum, count]. Sums are taken in input order, as dstream's reduce does, so
 * the means agree to the last bit. Output: `host<TAB>mean`.
 */
import readline from 'node:readline';

const acc = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const o = JSON.parse(line);
  const a = acc.get(o.host);
  if (a) {
    a[0] += o.latency_ms;
    a[1] += 1;
  } else {
    acc.set(o.host, [o.latency_ms, 1]);
  }
}

let out = '';
for (const [host, [sum, n]] of acc) out += `${host}\t${sum / n}\n`;
process.stdout.write(out);
