#!/usr/bin/env node
/**
 * bench/bounded-rss.js — peak RSS of dstream over a large file on stdin, read as
 * ONE batch (bounded input): records must be aggregated as they are read and
 * stateless output written as it is produced, so memory stays far below the
 * file's size. The bar: a 1 GB file in one batch under 300 MB RSS.
 *
 *   node bench/bounded-rss.js            # 1024 MB (the bundled access log repeated)
 *   node bench/bounded-rss.js --mb 50    # a quick check that the script works
 *
 * Jobs (each with stdin redirected from the generated file, stdout to a file):
 *   count-by-value  paths counted per value, top 10 (a keyed aggregation)
 *   event-time      status per 1-hour event-time window (panes + watermark)
 *   stateless       one field per line in text format (every record printed:
 *                   the text sink must stream, not hold the batch)
 * Peak RSS is measured by bench/rss.js (GNU time, else /proc VmHWM). Prints one
 * line per job and exits 1 when a job fails or exceeds the limit.
 * Needs a quiet machine for the wall times to mean anything; RSS does not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './rss.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/dstream.js');
const LOG = path.join(ROOT, 'data/elastic-examples/apache_logs');
const LIMIT_MB = 300;

const argv = process.argv.slice(2);
const mbIndex = argv.indexOf('--mb');
const targetMb = mbIndex >= 0 ? Number(argv[mbIndex + 1]) : 1024;
if (!(targetMb > 0)) {
  process.stderr.write('usage: node bench/bounded-rss.js [--mb N]\n');
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-bounded-rss-'));
const input = path.join(dir, 'input.log');
const log = fs.readFileSync(LOG);
const fd = fs.openSync(input, 'w');
let size = 0;
let copies = 0;
while (size < targetMb * 1024 * 1024) {
  fs.writeSync(fd, log);
  size += log.length;
  copies++;
}
fs.closeSync(fd);
const lines = copies * 10_000;

const jobs = [
  ['count-by-value', ['--map', 'l => l.split(" ")[6]', '--count-by-value', '--top', '10', '--format', 'tsv'], (out) => out.split('\n').length === 11],
  ['event-time', ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '1h', '--format', 'tsv'],
    (out) => out.startsWith('2015-05-17T10:00:00.000Z\t200\t')],
  ['stateless', ['--map', 'l => l.split(" ")[0]'], (out, file) => fs.statSync(file).size > lines * 8 && out.startsWith('-----')],
];

/** The first `n` bytes of a file, as text. */
function head(file, n) {
  const buf = Buffer.alloc(n);
  const f = fs.openSync(file, 'r');
  const got = fs.readSync(f, buf, 0, n, 0);
  fs.closeSync(f);
  return buf.subarray(0, got).toString('utf8');
}

process.stdout.write(`input: ${(size / 1024 / 1024).toFixed(0)} MB, ${lines} lines (the access log ${copies} times), one batch; limit ${LIMIT_MB} MB RSS\n`);
let failed = false;
try {
  for (const [name, args, check] of jobs) {
    const out = path.join(dir, `${name}.out`);
    const r = await measure(process.execPath, [BIN, ...args], { stdin: input, stdout: out, stderr: path.join(dir, `${name}.err`) });
    // The stateless job's output is about the input's size: only its start is read back.
    const text = name === 'stateless' ? head(out, 4096) : fs.readFileSync(out, 'utf8');
    const ok = r.code === 0 && check(text, out);
    const mb = r.maxRssKB === null ? null : r.maxRssKB / 1024;
    const pass = ok && (mb === null || mb < LIMIT_MB);
    if (!pass) failed = true;
    process.stdout.write(`${name.padEnd(15)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  max RSS ${mb === null ? '?' : mb.toFixed(0).padStart(4)} MB (${r.method})  ${ok ? '' : 'WRONG OUTPUT '}${pass ? 'ok' : 'FAIL'}\n`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
