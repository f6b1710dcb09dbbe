/**
 * bench/soak.js — memory of a long-running job (issue 15, item 7).
 *
 * dstream runs as a service: `--listen` on a TCP port, 1 s batches, a 10 s / 1 s
 * windowed count-by-value, a checkpoint every batch, metrics on
 * `--metrics-port`. A producer sends `rate` lines/s whose values are drawn
 * (seeded) from `keys` distinct keys, so the state (keys in the window) is
 * constant once the first window is full. Every `sampleMs` the process's RSS
 * (/proc/PID/status) and V8 heap used (`nodejs_heap_size_used_bytes` from the
 * metrics endpoint) are sampled. After `warmupS` seconds, the result gives
 * least-squares slopes (MB/s) of RSS and heap used, and the growth of the
 * heap-used floor (the lowest sample in the first and in the last 10 s, i.e.
 * after garbage collections), with the state size (`dstream_state_keys`).
 *
 *   node bench/soak.js [--seconds 600] [--rate 20000] [--keys 100000] [--warmup 60] [--dstream bin/dstream.js]
 *
 * Used by `npm run bench -- --only soak` (10 minutes) and by test/long/soak.test.ts (60 s).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** mulberry32: seeded random numbers in [0, 1). */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function getText(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const metric = (text, name) => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

/** Least-squares slope of ys over xs. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Resolves with the first match of `re` in the child's stderr. */
function stderrMatch(child, re, seen) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(seen.text);
      if (m) resolve(m);
    };
    child.stderr.on('data', check);
    child.on('close', (code) => reject(new Error(`dstream exited ${code} before printing ${re}:\n${seen.text}`)));
    check();
  });
}

/**
 * Runs the soak (see module doc).
 * @returns {{ samples: {tS:number, rssMB:number, heapMB:number, stateKeys:number}[], rssSlopeMBs:number, heapSlopeMBs:number, heapFloorGrowthMB:number, stateKeys:[number, number], linesSent:number, code:number|null }}
 */
export async function soak({ seconds = 600, rate = 20_000, keys = 100_000, warmupS = 60, sampleMs = 1000, dstream = path.join(REPO, 'bin/dstream.js'), seed = 7, log = () => {} } = {}) {
  const ck = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-soak-'));
  const args = ['--listen', '127.0.0.1:0', '--metrics-port', '0', '--batch', '1s', '--count-by-value', '--window', '10s', '--slide', '1s',
    '--format', 'tsv', '--checkpoint', path.join(ck, 'ck'), '--checkpoint-interval', '1s', '--idle-timeout', '0'];
  const child = spawn(process.execPath, [dstream, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const seen = { text: '' };
  child.stderr.setEncoding('utf8').on('data', (d) => (seen.text += d));
  child.stdout.resume();
  const closed = new Promise((resolve) => child.on('close', resolve));
  const [, port] = await stderrMatch(child, /listening on [^\s:]+:(\d+)/, seen);
  const [, url] = await stderrMatch(child, /metrics on (http:\/\/\S+)/, seen);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  const random = rng(seed);
  let linesSent = 0;
  const tickMs = 50;
  const perTick = Math.round((rate * tickMs) / 1000);
  let blocked = false;
  socket.on('drain', () => (blocked = false));
  const producer = setInterval(() => {
    if (blocked) return; // the job is behind: the producer waits (backpressure), as a real one would
    let chunk = '';
    for (let i = 0; i < perTick; i++) chunk += `key-${Math.floor(random() * keys)}\n`;
    linesSent += perTick;
    if (!socket.write(chunk)) blocked = true;
  }, tickMs);
  const samples = [];
  const t0 = Date.now();
  await new Promise((resolve) => {
    const sampler = setInterval(async () => {
      const tS = (Date.now() - t0) / 1000;
      try {
        const text = await getText(url);
        samples.push({ tS, rssMB: rssBytes(child.pid) / 1e6, heapMB: metric(text, 'nodejs_heap_size_used_bytes') / 1e6, stateKeys: metric(text, 'dstream_state_keys') });
        const s = samples.at(-1);
        log(`t=${tS.toFixed(0)}s rss=${s.rssMB.toFixed(0)}MB heap=${s.heapMB.toFixed(0)}MB state=${s.stateKeys} sent=${linesSent}`);
      } catch {
        /* one missed sample */
      }
      if (tS >= seconds) {
        clearInterval(sampler);
        resolve();
      }
    }, sampleMs);
  });
  clearInterval(producer);
  socket.end();
  child.kill('SIGTERM');
  const code = await closed;
  fs.rmSync(ck, { recursive: true, force: true });
  const after = samples.filter((s) => s.tS >= warmupS);
  const floor = (xs) => Math.min(...xs.map((s) => s.heapMB));
  const first = after.filter((s) => s.tS < warmupS + 10);
  const last = after.filter((s) => s.tS >= seconds - 10);
  return {
    samples,
    rssSlopeMBs: slope(after.map((s) => s.tS), after.map((s) => s.rssMB)),
    heapSlopeMBs: slope(after.map((s) => s.tS), after.map((s) => s.heapMB)),
    heapFloorGrowthMB: floor(last) - floor(first),
    stateKeys: [Math.min(...after.map((s) => s.stateKeys)), Math.max(...after.map((s) => s.stateKeys))],
    linesSent,
    code,
  };
}

/** Markdown section for bench/RESULTS.md. */
export function soakSection(r, o) {
  const a = r.samples.filter((s) => s.tS >= o.warmupS);
  return [
    '## Soak: memory of a long-running job\n',
    `\`--listen\`, 1 s batches, \`--count-by-value --window 10s --slide 1s\`, checkpoint every batch; ${o.rate.toLocaleString('en-US')} lines/s over ${o.keys.toLocaleString('en-US')} keys for ${o.seconds} s (${r.linesSent.toLocaleString('en-US')} lines sent). After a ${o.warmupS} s warm-up:\n`,
    '| RSS slope | heap-used slope | heap-used floor growth | state keys (min–max) | RSS first → last |',
    '|---|---|---|---|---|',
    `| ${r.rssSlopeMBs.toFixed(3)} MB/s | ${r.heapSlopeMBs.toFixed(3)} MB/s | ${r.heapFloorGrowthMB.toFixed(1)} MB | ${r.stateKeys[0]}–${r.stateKeys[1]} | ${a[0]?.rssMB.toFixed(0)} → ${a.at(-1)?.rssMB.toFixed(0)} MB |`,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const o = { seconds: 600, rate: 20_000, keys: 100_000, warmupS: 60 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'dstream') o.dstream = path.resolve(argv[i + 1]);
    else if (k === 'warmup') o.warmupS = Number(argv[i + 1]);
    else o[k] = Number(argv[i + 1]);
  }
  const r = await soak({ ...o, log: (m) => process.stderr.write(m + '\n') });
  process.stdout.write(soakSection(r, o));
}
