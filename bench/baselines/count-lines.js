/**
 * Engine-floor baselines: count the lines on stdin, doing nothing else.
 *
 *   node count-lines.js readline       idiomatic: readline, one string per line
 *   node count-lines.js sync           fastest simple reader: fs.readSync(0) into a
 *                                      reused 1 MiB buffer, count LF bytes with
 *                                      Buffer#indexOf (no strings at all)
 *   node count-lines.js sync-strings   same reader, but every line becomes a JS
 *                                      string (chunk decoded once, cut with
 *                                      indexOf): the floor for any engine that
 *                                      hands lines to JavaScript functions
 *
 * A last line without a newline counts. Output: the count.
 */
import fs from 'node:fs';
import readline from 'node:readline';

const mode = process.argv[2] ?? 'readline';

/** Reads stdin synchronously into `buf`; 0 at end of input. Retries EAGAIN (non-blocking pipes). */
function readStdin(buf) {
  for (;;) {
    try {
      return fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') return 0;
      throw e;
    }
  }
}

let n = 0;
if (mode === 'readline') {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    void line;
    n++;
  }
} else if (mode === 'sync') {
  const buf = Buffer.allocUnsafe(1 << 20);
  let last = 10;
  let len;
  while ((len = readStdin(buf)) > 0) {
    const data = len === buf.length ? buf : buf.subarray(0, len);
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
    last = data[len - 1];
  }
  if (last !== 10) n++;
} else if (mode === 'sync-strings') {
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let len;
  let sink = 0;
  while ((len = readStdin(buf)) > 0) {
    const end = buf.lastIndexOf(10, len - 1);
    if (end === -1) {
      carry += buf.toString('utf8', 0, len);
      continue;
    }
    const text = carry + buf.toString('utf8', 0, end);
    carry = buf.toString('utf8', end + 1, len);
    let start = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
      sink += text.slice(start, i).length; // the line as a string
      start = i + 1;
      n++;
    }
    sink += text.slice(start).length;
    n++;
  }
  if (carry.length > 0) n++;
  void sink;
} else {
  console.error(`count-lines.js: unknown mode ${mode} (readline | sync | sync-strings)`);
  process.exit(2);
}
process.stdout.write(`${n}\n`);
