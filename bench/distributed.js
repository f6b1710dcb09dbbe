/**
 * bench/distributed.js — distributed mode on both backends against the local engine, in one run.
 *
 *   node bench/distributed.js [--backends redis,kafka[,redis-cluster]] [--fsync always|everysec] [--lines N] [--runs N]
 *                             [--key-partitions N] [--out FILE | --no-write] [--dstream PATH/TO/bin/dstream.js]
 *                             [--baseline PATH/TO/other/bin/dstream.js] [--keep-logs DIR]
 *   npm run bench:distributed
 *
 * Standalone: not part of `npm run bench` (which rewrites bench/RESULTS.md from
 * scratch: run this script again afterwards to put its section back). Needs a
 * build (`npm run build`); Redis needs redis-server on the PATH (or
 * REDIS_SERVER=/path), Kafka needs java and the broker of scripts/test-kafka.sh
 * (`scripts/test-kafka.sh install`). A backend whose server is missing is left
 * out, saying so; with neither it exits 0.
 *
 * 1. Input: the bundled real access log data/elastic-examples/apache_logs
 *    (10,000 Apache lines, 2015-05-17 10:05 to 2015-05-20 21:05 UTC, at most
 *    59 s out of order) repeated, copy i with every `[dd/Mon/yyyy:HH:MM:SS +0000]`
 *    shifted by i × 4 days, so the copies follow each other in event time without
 *    overlapping. --lines N (default 1,000,000 = 100 copies) keeps the first N
 *    lines; written into a temporary directory, removed at exit.
 * 2. Servers of its own, stopped at exit:
 *    - redis-server on a free port (never 6399) with `appendonly yes`, `appendfsync always`
 *      (`--fsync everysec` to compare: an fsync per commit is what exactly once across a crash
 *      of the server needs), `auto-aof-rewrite-percentage 0` (no AOF rewrite fork in the
 *      middle of a timed run) and no RDB snapshots;
 *    - a Kafka broker (`scripts/test-kafka.sh start DIR`, KRaft, one JVM);
 *    - with `--backends …,redis-cluster` (not by default), also a Redis Cluster: 3 such
 *      redis-servers with `--cluster-enabled yes` joined by `redis-cli --cluster create`, run
 *      through `redis+cluster://` URLs like the single server.
 * 3. Preloads the input once per backend (timed, not part of the runs):
 *    `dstream publish redis://…/bench --partitions 4 --keep-input < file` (--keep-input: every
 *    run reads it all), and for Kafka a 4-partition topic filled by
 *    `dstream --format tsv --output kafka://…/bench < file`.
 * 4. The job (J3 of bench/run.js: requests per 5-minute event-time window and status):
 *      --event-time 'l => l.split("[")[1].split("]")[0]' --map 'l => l.split(" ")[8]'
 *      --count-by-value --window 5m --watermark 1m
 *    run as
 *      - local:               dstream <ops> --format tsv < file > /dev/null  (one process, the reference)
 *      - Redis, 1 worker:     dstream --from 'redis://…/bench?group=G' <ops> --to redis://…/OUT --key-partitions 8
 *      - Redis, 2 workers:    the same command twice, started at the same time
 *      - Kafka, 1 / 2 workers: dstream --from 'kafka://…/bench?group=G' --once <ops> --to kafka://…/OUT --key-partitions 8
 *    each distributed run on a fresh ?group= and output, so nothing is shared between runs.
 *    One untimed local run first gives the reference answer, and one untimed 1-worker run per
 *    backend warms its server up (the Kafka JVM compiles its read path during its first job, which
 *    was slower than the rest of its contender's runs); then --runs rounds (default 3),
 *    interleaved (the order rotates each round). Wall time of a distributed run: from starting
 *    the workers until the last one has exited (every worker must exit 0). After each
 *    distributed run its output (`dstream cat … --format tsv`) must equal the local run's
 *    bytes; then the job is deleted (`dstream job reset`) to keep the servers' memory flat.
 *    With --baseline (the bin/dstream.js of another build, e.g. a checkout of main after
 *    `npm ci && npm run build`), its workers run too, as contenders of their own in the
 *    same interleaved rounds (the reference answer, `cat` and `job reset` stay this build's):
 *    before and after a change, measured on the same load.
 * 5. Prints a Markdown report, ratios ÷ the local engine of wall time and CPU time (the
 *    workers' alone, and with the server's CPU during the run), and puts it into
 *    bench/RESULTS.md (or --out FILE) as the section "## Distributed", replacing an earlier one.
 *    --keep-logs DIR keeps each worker's stderr there (GROUP-N.err: its assignments, fenced
 *    steps and summary), to see where a run's time went.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryExec, which } from './exec.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const NODE = process.execPath;
const SOURCE = path.join(REPO, 'data', 'elastic-examples', 'apache_logs');
const SECTION = '## Distributed';
/** Sections of earlier versions of this script, replaced too. */
const OLD_SECTIONS = ['## Distributed mode (Redis Streams)', '## Distributed mode (Kafka)'];
const KAFKA = path.join(REPO, 'scripts', 'test-kafka.sh');
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const DAY_MS = 86_400_000;
const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--watermark', '1m'];

const log = (msg) => process.stderr.write(msg + '\n');

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const opts = { backends: ['redis', 'kafka'], fsync: 'always', lines: 1_000_000, runs: 3, keyPartitions: 8, out: path.join(BENCH, 'RESULTS.md'), dstream: null, baseline: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--backends' || a === '--backend') opts.backends = value().split(',').filter(Boolean);
    else if (a === '--fsync') opts.fsync = value();
    else if (a === '--lines') opts.lines = Number(value().replace(/[_,]/g, ''));
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--key-partitions') opts.keyPartitions = Number(value());
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--no-write') opts.out = null;
    else if (a === '--dstream') opts.dstream = path.resolve(value());
    else if (a === '--baseline') opts.baseline = path.resolve(value());
    else if (a === '--keep-logs') opts.keepLogs = path.resolve(value());
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const b of opts.backends) if (!['redis', 'kafka', 'redis-cluster'].includes(b)) throw new Error(`--backends: '${b}' is not redis, kafka or redis-cluster`);
  if (opts.fsync !== 'everysec' && opts.fsync !== 'always') throw new Error('--fsync must be always or everysec');
  if (opts.baseline && !fs.existsSync(opts.baseline)) throw new Error(`--baseline: ${opts.baseline} does not exist`);
  for (const k of ['lines', 'runs', 'keyPartitions']) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`--${k === 'keyPartitions' ? 'key-partitions' : k} must be a positive integer`);
  }
  return opts;
}

// ------------------------------------------------------------------- helpers



const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (ms) => (ms >= 10_000 ? (ms / 1000).toFixed(1) : (ms / 1000).toFixed(2));
const fmtRate = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : x >= 1e3 ? (x / 1e3).toFixed(0) + ' k' : x.toFixed(0));
const shq = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** Child processes to kill if the script is interrupted (each leads its own process group). */
const children = new Set();
const cleanups = [];
function cleanup() {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL'); // the group: GNU time and the dstream under it
    } catch {
      try {
        c.kill('SIGKILL'); // not a group leader (redis-server)
      } catch {
        // gone
      }
    }
  }
  children.clear();
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort
    }
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`bench: ${sig}: stopping`);
    cleanup();
    process.exit(130);
  });
}

/**
 * Runs a command; stdin/stdout/stderr are file paths or 'ignore'. With GNU time,
 * also its user+sys CPU seconds and peak RSS.
 * → Promise<{ code, signal, cpuS, maxRssKB, stderrPath }>
 */
function run(cmd, args, { stdin = 'ignore', stdout = 'ignore', stderr, timeFile } = {}) {
  const fds = [stdin, stdout, stderr].map((s, i) => (s === 'ignore' || s === undefined ? 'ignore' : fs.openSync(s, i === 0 ? 'r' : 'w')));
  const [c, a] = GNU_TIME && timeFile ? [GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  // Own process group, so that an interrupted run can kill GNU time and its child together.
  const child = spawn(c, a, { stdio: fds, detached: true });
  children.add(child);
  for (const fd of fds) if (typeof fd === 'number') fs.closeSync(fd);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      children.delete(child);
      let cpuS = null;
      let maxRssKB = null;
      if (GNU_TIME && timeFile) {
        const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop();
        const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(last ?? '');
        if (m) {
          cpuS = Number(m[1]) + Number(m[2]);
          maxRssKB = Number(m[3]);
        }
      }
      resolve({ code, signal, cpuS, maxRssKB });
    });
  });
}

/** user+sys CPU seconds used so far by a process (Linux /proc), or null. */
let clkTck;
function cpuSecondsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clkTck ??= Number(tryExec('getconf', ['CLK_TCK'])) || 100;
    return (Number(f[11]) + Number(f[12])) / clkTck;
  } catch {
    return null;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Copies the built CLI into a private directory, as bench/run.js does (a rebuild during the run cannot change it). */
function snapshotBuild(workDir) {
  const dist = path.join(REPO, 'dist');
  if (!fs.existsSync(path.join(dist, 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const dir = path.join(workDir, 'build');
  fs.mkdirSync(dir);
  fs.cpSync(path.join(REPO, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.cpSync(dist, path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return path.join(dir, 'bin', 'dstream.js');
}

// -------------------------------------------------------------------- input

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIME = /\[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\]/;
const p2 = (n) => (n < 10 ? '0' + n : String(n));

/**
 * Writes the first `lines` lines of the shifted copies of apache_logs to `file`.
 * → { lines, bytes, copies, first, last } (first/last event times, ISO)
 */
function writeInput(file, lines) {
  const src = fs.readFileSync(SOURCE, 'utf8').split('\n').filter((l) => l !== '');
  const parts = src.map((l, n) => {
    const m = TIME.exec(l);
    if (!m) throw new Error(`${SOURCE}:${n + 1}: no [dd/Mon/yyyy:HH:MM:SS +0000] time`);
    const t = Date.UTC(+m[3], MONTHS.indexOf(m[2]), +m[1], +m[4], +m[5], +m[6]);
    return { head: l.slice(0, m.index + 1), t, tail: l.slice(m.index + m[0].length - 1) + '\n' };
  });
  const fd = fs.openSync(file, 'w');
  let chunk = [];
  let chunkLen = 0;
  let bytes = 0;
  let written = 0;
  let copy = 0;
  let last = 0;
  const flush = () => {
    const buf = Buffer.from(chunk.join(''));
    fs.writeSync(fd, buf);
    bytes += buf.length;
    chunk = [];
    chunkLen = 0;
  };
  for (; written < lines; copy++) {
    const shift = copy * 4 * DAY_MS;
    for (const { head, t, tail } of parts) {
      if (written === lines) break;
      const d = new Date(t + shift);
      last = Math.max(last, d.getTime());
      const s = `${head}${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000${tail}`;
      chunk.push(s);
      chunkLen += s.length;
      written++;
      if (chunkLen >= 4 << 20) flush();
    }
  }
  flush();
  fs.closeSync(fd);
  return { lines: written, bytes, copies: copy, first: new Date(parts[0].t).toISOString(), last: new Date(last).toISOString() };
}

// -------------------------------------------------------------------- redis

/** A free port, not 6399; with `bus`, one whose cluster bus port (+10000) is free too. */
async function serverPort(bus) {
  for (;;) {
    const port = await freePort();
    if (port === 6399 || (bus && (port + 10000 > 65535 || !(await portFree(port + 10000))))) continue;
    return port;
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function startRedis(redisBin, dir, fsync, extra = []) {
  const port = await serverPort(extra.length > 0);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', fsync,
    '--auto-aof-rewrite-percentage', '0', '--save', '', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log'), ...extra];
  const child = spawn(redisBin, args, { stdio: 'ignore' });
  children.add(child);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = code ?? signal;
    children.delete(child);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (exited !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    });
  cleanups.push(() => {
    if (exited === null) child.kill('SIGKILL');
  });
  const { default: Redis } = await import('ioredis');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited !== null) throw new Error(`redis-server exited (${exited}) at start: see ${path.join(dir, 'redis.log')}:\n${readTail(path.join(dir, 'redis.log'))}`);
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return { port, pid: child.pid, redis: r, stop, args };
    } catch {
      r.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

/**
 * A Redis Cluster of `n` masters (no replicas), each node like `startRedis`, joined by
 * `redis-cli --cluster create`; resolves when every node says cluster_state:ok.
 */
async function startRedisCluster(redisBin, dir, fsync, n) {
  const nodes = [];
  for (let i = 0; i < n; i++) {
    const d = path.join(dir, `node${i + 1}`);
    fs.mkdirSync(d);
    nodes.push(await startRedis(redisBin, d, fsync, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']));
  }
  const hosts = nodes.map((s) => `127.0.0.1:${s.port}`);
  if (tryExec('redis-cli', ['--cluster', 'create', ...hosts, '--cluster-replicas', '0', '--cluster-yes']) === null) throw new Error('redis-cli --cluster create failed');
  const deadline = Date.now() + 60_000;
  while (!(await Promise.all(nodes.map((s) => s.redis.cluster('INFO')))).every((i) => /cluster_state:ok/.test(i))) {
    if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 60 s');
    await new Promise((res) => setTimeout(res, 100));
  }
  return { nodes, hosts };
}

function readTail(file, n = 5) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

async function info(redis, section, field) {
  const text = await redis.info(section);
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

// -------------------------------------------------------------------- kafka

/** A broker of scripts/test-kafka.sh in `dir`: { broker, pid, stop }. */
function startKafka(dir) {
  const started = tryExec('bash', [KAFKA, 'start', dir]);
  const broker = started && /^BROKER=(\S+)$/m.exec(started)?.[1];
  if (!broker) throw new Error(`scripts/test-kafka.sh start failed: see ${path.join(dir, 'logs')}`);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    tryExec('bash', [KAFKA, 'stop', dir]);
  };
  cleanups.push(stop);
  return { broker, pid: Number(fs.readFileSync(path.join(dir, 'broker.pid'), 'utf8')), stop };
}

/** Why Kafka cannot run here, or null. */
function kafkaMissing() {
  if (tryExec('java', ['-version']) === null) return 'java is not installed (the broker needs it)';
  const version = process.env.DSTREAM_KAFKA_VERSION || '4.1.1';
  const cache = process.env.DSTREAM_KAFKA_CACHE || path.join(os.homedir(), '.cache', 'dstream', 'kafka');
  if (!fs.existsSync(path.join(cache, version, '.complete'))) return `the broker's jars are not installed (run scripts/test-kafka.sh install)`;
  return null;
}

// ------------------------------------------------------------------ running

/** CPU seconds used so far by a backend's server process(es), or null. */
function serverCpuOf(b) {
  let sum = 0;
  for (const pid of b.serverPids) {
    const s = cpuSecondsOf(pid);
    if (s === null) return null;
    sum += s;
  }
  return sum;
}

const sortedLines = (text) => text.split('\n').filter((l) => l !== '').sort();

/** The distributed output against the local run's bytes; on a difference, which rows. */
function compare(referenceText, gotText) {
  if (referenceText === gotText) return { same: true };
  const reference = sortedLines(referenceText);
  const got = sortedLines(gotText);
  const count = new Map();
  for (const l of reference) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of got) count.set(l, (count.get(l) ?? 0) - 1);
  const onlyLocal = reference.filter((l) => count.get(l) > 0);
  const onlyDistributed = got.filter((l) => count.get(l) < 0);
  return { same: false, onlyLocal, onlyDistributed, order: onlyLocal.length === 0 && onlyDistributed.length === 0 };
}

/**
 * Starts a backend's server and preloads the input.
 * → { id, label, server, serverPids, from(group), to(out), flags, publishMs, stop() } or null (missing).
 */
async function setUpBackend(id, opts, workDir, bin, file) {
  if (id === 'redis') {
    const redisBin = process.env.REDIS_SERVER || which('redis-server');
    if (!redisBin) {
      log('redis: left out: redis-server not found on the PATH (install it, e.g. `apt-get install redis-server`, or set REDIS_SERVER=/path/to/redis-server)');
      return null;
    }
    const redisDir = path.join(workDir, 'redis');
    fs.mkdirSync(redisDir);
    const srv = await startRedis(redisBin, redisDir, opts.fsync);
    const version = await info(srv.redis, 'server', 'redis_version');
    log(`redis-server ${version} on 127.0.0.1:${srv.port} (pid ${srv.pid}), appendonly yes, appendfsync ${opts.fsync}`);
    const base = `redis://127.0.0.1:${srv.port}`;
    const pubErr = path.join(workDir, 'publish.err');
    const t = Date.now();
    const pub = await run(NODE, [bin, 'publish', `${base}/bench`, '--partitions', '4', '--keep-input'], { stdin: file, stderr: pubErr });
    const publishMs = Date.now() - t;
    if (pub.code !== 0) throw new Error(`dstream publish exited ${pub.code ?? pub.signal}: ${readTail(pubErr)}`);
    const mem = await info(srv.redis, 'memory', 'used_memory_human');
    return {
      id, label: 'Redis', serverPids: [srv.pid], from: (g) => `${base}/bench?group=${g}`, to: (o) => `${base}/${o}`, flags: ['--key-partitions', String(opts.keyPartitions)],
      publishMs,
      server: `redis-server ${version}, local, \`appendonly yes\`, \`appendfsync ${opts.fsync}\`, \`auto-aof-rewrite-percentage 0\`, \`save ""\`; input published with \`dstream publish redis://…/bench --partitions 4 --keep-input\` in ${fmtS(publishMs)} s (used memory then ${mem})`,
      stop: async () => {
        srv.redis.disconnect();
        await srv.stop();
      },
    };
  }
  if (id === 'redis-cluster') {
    const redisBin = process.env.REDIS_SERVER || which('redis-server');
    if (!redisBin || !which('redis-cli')) {
      log('redis-cluster: left out: redis-server or redis-cli not found on the PATH');
      return null;
    }
    const dir = path.join(workDir, 'redis-cluster');
    fs.mkdirSync(dir);
    const c = await startRedisCluster(redisBin, dir, opts.fsync, 3);
    log(`Redis Cluster on ${c.hosts.join(', ')} (pids ${c.nodes.map((s) => s.pid).join(', ')}), appendonly yes, appendfsync ${opts.fsync}`);
    const base = `redis+cluster://${c.hosts.join(',')}`;
    const pubErr = path.join(workDir, 'publish-cluster.err');
    const t = Date.now();
    const pub = await run(NODE, [bin, 'publish', `${base}/bench`, '--partitions', '4', '--keep-input'], { stdin: file, stderr: pubErr });
    const publishMs = Date.now() - t;
    if (pub.code !== 0) throw new Error(`dstream publish (cluster) exited ${pub.code ?? pub.signal}: ${readTail(pubErr)}`);
    return {
      id, label: 'Redis Cluster (3 nodes)', serverPids: c.nodes.map((s) => s.pid), from: (g) => `${base}/bench?group=${g}`, to: (o) => `${base}/${o}`,
      flags: ['--key-partitions', String(opts.keyPartitions)], publishMs,
      server: `3 redis-server masters (\`--cluster-enabled yes\`, otherwise as above) on this machine, joined by \`redis-cli --cluster create\`; a stage-1 commit is three scripts there (src/distributed/redis/stage1-commit.ts); input published in ${fmtS(publishMs)} s`,
      stop: async () => {
        for (const s of c.nodes) {
          s.redis.disconnect();
          await s.stop();
        }
      },
    };
  }
  const missing = kafkaMissing();
  if (missing) {
    log(`kafka: left out: ${missing}`);
    return null;
  }
  const kafkaDir = path.join(workDir, 'kafka');
  fs.mkdirSync(kafkaDir);
  const k = startKafka(kafkaDir);
  log(`kafka broker on ${k.broker} (pid ${k.pid})`);
  if (tryExec('bash', [KAFKA, 'topics', kafkaDir, '--create', '--topic', 'bench', '--partitions', '4']) === null) throw new Error('kafka-topics --create bench failed');
  const t = Date.now();
  const err = path.join(workDir, 'produce.err');
  const pub = await run(NODE, [bin, '--format', 'tsv', '--output', `kafka://${k.broker}/bench`], { stdin: file, stderr: err });
  const publishMs = Date.now() - t;
  if (pub.code !== 0) throw new Error(`producing the input to Kafka exited ${pub.code ?? pub.signal}: ${readTail(err)}`);
  return {
    id, label: 'Kafka', serverPids: [k.pid], from: (g) => `kafka://${k.broker}/bench?group=${g}`, to: (o) => `kafka://${k.broker}/${o}`,
    flags: ['--once', '--key-partitions', String(opts.keyPartitions)], publishMs,
    server: `Apache Kafka ${process.env.DSTREAM_KAFKA_VERSION || '4.1.1'} (scripts/test-kafka.sh: one KRaft JVM, local); input produced to a 4-partition topic with \`dstream --format tsv --output kafka://…/bench\` in ${fmtS(publishMs)} s`,
    stop: async () => k.stop(),
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const loadBefore = os.loadavg()[0];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-bench-distributed-'));
  cleanups.unshift(() => fs.rmSync(workDir, { recursive: true, force: true }));
  const bin = opts.dstream ?? snapshotBuild(workDir);
  const file = path.join(workDir, 'access.log');

  log(`input: ${opts.lines.toLocaleString('en-US')} lines from ${path.relative(REPO, SOURCE)} …`);
  const input = writeInput(file, opts.lines);
  log(`  ${input.copies} copies, ${(input.bytes / 1e6).toFixed(0)} MB, events ${input.first} … ${input.last}`);

  const backends = [];
  for (const id of opts.backends) {
    const b = await setUpBackend(id, opts, workDir, bin, file);
    if (b) backends.push(b);
  }
  if (backends.length === 0) {
    log('bench/distributed.js: no backend can run here; nothing measured');
    return;
  }

  // Reference answer: one untimed local run.
  log('reference: local run (untimed)');
  const refOut = path.join(workDir, 'local.tsv');
  const refRun = await run(NODE, [bin, ...OPS, '--format', 'tsv'], { stdin: file, stdout: refOut, stderr: path.join(workDir, 'local.err') });
  if (refRun.code !== 0) throw new Error(`local dstream exited ${refRun.code ?? refRun.signal}: ${readTail(path.join(workDir, 'local.err'))}`);
  const reference = fs.readFileSync(refOut, 'utf8');
  const referenceRows = sortedLines(reference).length;
  log(`  ${referenceRows.toLocaleString('en-US')} output rows`);

  const contenders = [
    { id: 'local', name: 'local engine, 1 process', workers: 0 },
    ...backends.flatMap((b) => [1, 2].map((w) => ({ id: `${b.id}${w}`, name: `${b.label}, ${w} worker${w > 1 ? 's' : ''}`, workers: w, backend: b }))),
    ...(opts.baseline ? backends.flatMap((b) => [1, 2].map((w) => ({ id: `${b.id}${w}-baseline`, name: `${b.label}, ${w} worker${w > 1 ? 's' : ''}, baseline build`, workers: w, backend: b, bin: opts.baseline }))) : []),
  ].map((c) => ({ ...c, times: [], cpu: [], serverCpu: [], rss: [], problems: [], checks: [], splits: [] }));

  async function runLocal(c) {
    const err = path.join(workDir, 'local.err');
    const start = process.hrtime.bigint();
    const r = await run(NODE, [bin, ...OPS, '--format', 'tsv'], { stdin: file, stdout: '/dev/null', stderr: err, timeFile: path.join(workDir, 'local.time') });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.code !== 0) c.problems.push(`exited ${r.code ?? r.signal}: ${readTail(err, 3)}`);
    c.times.push(ms);
    c.cpu.push(r.cpuS);
    c.rss.push(r.maxRssKB);
    return `${fmtS(ms)} s`;
  }
  let seq = 0;
  async function runDistributed(c) {
    const b = c.backend;
    const n = ++seq;
    const group = `bench-${n}-${c.id}`;
    const out = `bench-out-${n}-${c.id}`;
    const args = [c.bin ?? bin, '--from', b.from(group), ...OPS, '--to', b.to(out), ...b.flags];
    c.command ??= ['dstream', ...args.slice(1)].map(shq).join(' ').replace(`group=${group}`, 'group=JOB').replace(out, 'OUT');
    const before = serverCpuOf(b);
    const start = process.hrtime.bigint();
    const runs = [];
    for (let w = 0; w < c.workers; w++) {
      runs.push(run(NODE, args, { stderr: path.join(workDir, `${group}-${w}.err`), timeFile: path.join(workDir, `${group}-${w}.time`) }));
    }
    const results = await Promise.all(runs);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (opts.keepLogs) {
      fs.mkdirSync(opts.keepLogs, { recursive: true });
      for (let w = 0; w < c.workers; w++) fs.copyFileSync(path.join(workDir, `${group}-${w}.err`), path.join(opts.keepLogs, `${group}-${w}.err`));
    }
    const serverCpu = before === null ? null : serverCpuOf(b) - before;
    results.forEach((r, w) => {
      if (r.code !== 0) c.problems.push(`run ${n}, worker ${w + 1} exited ${r.code ?? r.signal}: ${readTail(path.join(workDir, `${group}-${w}.err`), 3)}`);
    });
    if (c.workers > 1 && results.every((r) => r.cpuS !== null)) c.splits.push(results.map((r) => r.cpuS.toFixed(1)).join(' + '));
    c.times.push(ms);
    c.cpu.push(results.every((r) => r.cpuS !== null) ? results.reduce((s, r) => s + r.cpuS, 0) : null);
    c.rss.push(Math.max(...results.map((r) => r.maxRssKB ?? 0)) || null);
    c.serverCpu.push(serverCpu);
    // Answer check (the local run's bytes), then delete the job.
    const catOut = path.join(workDir, `${group}.tsv`);
    const cat = await run(NODE, [bin, 'cat', b.to(out), '--format', 'tsv'], { stdout: catOut, stderr: path.join(workDir, `${group}.cat.err`) });
    if (cat.code !== 0) c.problems.push(`run ${n}: dstream cat exited ${cat.code}: ${readTail(path.join(workDir, `${group}.cat.err`), 3)}`);
    const check = compare(reference, fs.readFileSync(catOut, 'utf8'));
    fs.rmSync(catOut);
    c.checks.push(check);
    if (!check.same) {
      c.problems.push(check.order ? `run ${n}: the same rows as the local engine, in another order` :
        `run ${n}: output differs from the local engine's: ${check.onlyLocal.length} rows only in local, ${check.onlyDistributed.length} only in distributed ` +
        `(e.g. local \`${check.onlyLocal[0] ?? '–'}\`, distributed \`${check.onlyDistributed[0] ?? '–'}\`)`);
    }
    const reset = await run(NODE, [bin, 'job', 'reset', b.from(group)], { stderr: path.join(workDir, `${group}.reset.err`) });
    if (reset.code !== 0) c.problems.push(`run ${n}: dstream job reset exited ${reset.code}: ${readTail(path.join(workDir, `${group}.reset.err`), 3)}`);
    return `${fmtS(ms)} s${check.same ? '' : ' (WRONG ANSWER)'}`;
  }

  // Warm-up: one untimed 1-worker run per backend (its answer is checked too).
  for (const b of backends) {
    const w = { id: `${b.id}-warmup`, name: `${b.label}, warm-up`, workers: 1, backend: b, times: [], cpu: [], serverCpu: [], rss: [], problems: [], checks: [], splits: [] };
    log(`warm-up: ${b.label}, 1 worker (untimed): ${await runDistributed(w)}`);
    if (w.problems.length) throw new Error(`warm-up run on ${b.label}: ${w.problems.join('; ')}`);
  }
  for (let r = 0; r < opts.runs; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(r + k) % contenders.length];
      const text = c.workers === 0 ? await runLocal(c) : await runDistributed(c);
      log(`  round ${r + 1}/${opts.runs}: ${c.name}: ${text}`);
    }
  }
  const loadAfter = os.loadavg()[0];
  for (const b of backends) await b.stop();

  // ------------------------------------------------------------- report
  const local = contenders[0];
  const med = (c) => median(c.times);
  const medOf = (xs) => (xs.length && xs.every((x) => x !== null) ? median(xs) : null);
  const num = (x, d = 1) => (x === null ? 'n/a' : x.toFixed(d));
  const ratio = (x, y) => (x === null || y === null ? 'n/a' : (x / y).toFixed(2));
  const localCpu = medOf(local.cpu);
  const rows = ['| run | median wall s | min–max s | lines/s | **wall ÷ local** | dstream CPU s | **CPU ÷ local** | server CPU s | (dstream + server) CPU ÷ local | answer |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|'];
  for (const c of contenders) {
    const m = med(c);
    const cpu = medOf(c.cpu);
    const srv = c.workers === 0 ? null : medOf(c.serverCpu);
    const answer = c.workers === 0 ? 'reference' : c.checks.every((x) => x.same) ? `same bytes (${c.checks.length}/${c.checks.length} runs)` : '**MISMATCH**';
    rows.push(`| ${c.name} | ${fmtS(m)} | ${fmtS(Math.min(...c.times))}–${fmtS(Math.max(...c.times))} | ${fmtRate(input.lines / (m / 1000))} | ${c === local ? '1' : (m / med(local)).toFixed(2)} | ${num(cpu)} | ` +
      `${c === local ? '1' : ratio(cpu, localCpu)} | ${c === local ? '–' : num(srv)} | ${c === local ? '–' : ratio(cpu === null || srv === null ? null : cpu + srv, localCpu)} | ${answer}${c.problems.length ? ` ⚠ ${c.problems.length} problem(s)` : ''} |`);
  }
  const cpuModel = /model name\s*:\s*(.*)/.exec(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const head = tryExec('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const baselineHead = opts.baseline && tryExec('git', ['-C', path.dirname(path.dirname(opts.baseline)), 'rev-parse', '--short', 'HEAD']);
  const dirty = tryExec('git', ['-C', REPO, 'status', '--porcelain', '--', 'src']);
  const flags = [opts.backends.join(',') !== 'redis,kafka' ? ` --backends ${opts.backends.join(',')}` : '', opts.baseline ? ' --baseline BASELINE' : '', opts.fsync !== 'always' ? ` --fsync ${opts.fsync}` : '',
    opts.lines !== 1_000_000 ? ` --lines ${opts.lines}` : '', opts.runs !== 3 ? ` --runs ${opts.runs}` : '', opts.keyPartitions !== 8 ? ` --key-partitions ${opts.keyPartitions}` : ''].join('');
  const md = [];
  md.push(`${SECTION}\n`);
  md.push(`Generated by \`node bench/distributed.js${flags}\` (${((Date.now() - t0) / 60000).toFixed(1)} min; not part of \`npm run bench\`, which rewrites this file: run it again afterwards).` +
    ' Everything on one machine: the servers and the workers share its cores, so these ratios say what the log costs, not what more machines gain.\n');
  md.push('| | |\n|---|---|');
  md.push([
    `| date | ${new Date().toISOString()} |`,
    `| cores (nproc) | ${tryExec('nproc', []) ?? os.availableParallelism()} (${cpuModel}) |`,
    `| memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| node | ${process.version} |`,
    `| **load average** (1 min) before → after | ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)} (other work on the machine: wall times are noisy, CPU times steadier) |`,
    `| dstream | ${opts.dstream ? `\`${opts.dstream}\`` : `git ${head}${dirty ? ` + uncommitted changes in src/ (${dirty.split('\n').length} files)` : ''}, \`npm run build\`, copied before the run`} |`,
    ...(opts.baseline ? [`| baseline build | \`${opts.baseline}\`${baselineHead ? ` (git ${baselineHead})` : ''}: its workers run as contenders of their own |`] : []),
    `| input | ${input.lines.toLocaleString('en-US')} lines, ${(input.bytes / 1e6).toFixed(0)} MB: \`data/elastic-examples/apache_logs\` × ${input.copies}, copy i shifted by i × 4 days (events ${input.first.slice(0, 10)} … ${input.last.slice(0, 10)}) |`,
    ...backends.map((b) => `| ${b.label} | ${b.server} |`),
    `| output | ${referenceRows.toLocaleString('en-US')} rows (window start, status, count); every distributed run's \`dstream cat\` compared with the local run's bytes |`,
  ].join('\n') + '\n');
  md.push(`${opts.runs} timed runs of each, interleaved, after one untimed local run that gives the reference answer and one untimed 1-worker run per backend (warm-up); medians:\n`);
  md.push(rows.join('\n') + '\n');
  for (const b of backends) {
    const [one, two, oneBefore, twoBefore] = contenders.filter((c) => c.backend === b);
    md.push(`- **${b.label}:** 1 worker ${(med(one) / med(local)).toFixed(2)}× the local engine's wall time, 2 workers ${(med(two) / med(local)).toFixed(2)}× ` +
      `(2-worker speed-up over 1 worker ${(med(one) / med(two)).toFixed(2)}×); CPU of the workers ${ratio(medOf(one.cpu), localCpu)}× and ${ratio(medOf(two.cpu), localCpu)}× the local run's.` +
      (two.splits.length ? ` CPU seconds of each of the 2 workers per run: ${two.splits.join('; ')}.` : '') +
      (oneBefore ? ` The baseline build in the same rounds: wall ${(med(oneBefore) / med(local)).toFixed(2)}× and ${(med(twoBefore) / med(local)).toFixed(2)}×, CPU ${ratio(medOf(oneBefore.cpu), localCpu)}× and ${ratio(medOf(twoBefore.cpu), localCpu)}×.` : ''));
  }
  md.push(`- Every run, in order: ${contenders.map((c) => `${c.name} ${c.times.map(fmtS).join(', ')} s`).join('; ')}.`);
  md.push('- Wall time of a distributed run: from starting the worker(s) until the last has exited 0 (the job complete and its output committed); the input was loaded beforehand. "dstream CPU s": user + sys of the dstream process(es), summed over the workers (GNU time); "server CPU s": what the redis-server(s) or the Kafka JVM used during the run (/proc). Each distributed run had its own `?group=` and output; its output was deleted afterwards with `dstream job reset`.');
  if (opts.fsync === 'everysec') md.push('- `appendfsync everysec` here; the README recommends `always` for exactly-once output across a crash of the redis server itself, which costs an fsync per commit.');
  md.push('');
  md.push('Commands:\n');
  md.push(`- local: \`dstream ${OPS.map(shq).join(' ')} --format tsv < input > /dev/null\``);
  for (const c of contenders) if (c.workers === 1 && !c.bin) md.push(`- ${c.backend.label} (1 or 2 of these at once): \`${c.command}\``);
  const notes = contenders.filter((c) => c.problems.length);
  if (notes.length) {
    md.push('\nProblems:\n');
    for (const c of notes) for (const p of c.problems) md.push(`- ${c.name}: ${p}`);
  }
  const text = md.join('\n') + '\n';
  process.stdout.write(text);
  if (opts.out) {
    let next = fs.existsSync(opts.out) ? fs.readFileSync(opts.out, 'utf8') : '';
    for (const title of [SECTION, ...OLD_SECTIONS]) next = removeSection(next, title);
    fs.writeFileSync(opts.out, next.replace(/\n*$/, next ? '\n\n' : '') + text);
    log(`\nwritten to ${path.relative(process.cwd(), opts.out) || opts.out}`);
  }
  if (contenders.some((c) => c.problems.length)) process.exitCode = 1;
}

/** `text` without its section `title` (from its heading to the next `## ` heading). */
function removeSection(text, title) {
  const at = text.indexOf(`\n${title}\n`);
  if (at === -1) return text;
  const after = text.slice(at + 1 + title.length);
  const end = after.search(/\n## /);
  return text.slice(0, at + 1) + (end === -1 ? '' : after.slice(end + 1));
}

main().catch((e) => {
  log(`bench/distributed.js: ${e.message}`);
  cleanup();
  process.exit(1);
});
