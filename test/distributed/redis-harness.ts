/**
 * A real redis-server per test file: random free port on 127.0.0.1, a temp --dir,
 * AOF with fsync on every write (so a kill -9 of the server loses nothing that was
 * acknowledged), no RDB snapshots. Readiness is the server's own
 * "Ready to accept connections" line, never a sleep.
 *
 * Every server started here is also killed when the test process exits, as a last
 * safety net; tests still call stop() in afterAll/afterEach.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let available: boolean | undefined;

/** redis-server is on PATH and runs. */
export function redisAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    available = r.status === 0 && /Redis server/.test(r.stdout);
  }
  return available;
}

/** A port that was free a moment ago: listen on port 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface RedisServer {
  port: number;
  dir: string;
  pid: number;
  /** `redis://127.0.0.1:PORT/TOPIC[?group=G]` */
  url(topic: string, group?: string): string;
  /** Sends `signal` by PID; resolves when the server has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Stops the server (SIGTERM, SIGKILL after 5 s), waits for its exit, and removes its
   * data dir if startRedis created it. Idempotent. To restart on the same dir, use kill().
   */
  stop(): Promise<void>;
  /** Everything the server printed (stdout + stderr). */
  log(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

const live = new Map<ChildProcess, string>(); // running server → its dir
/** Data dirs created by startRedis (not given by the caller): removed by stop() of any server on them. */
const tempDirs = new Set<string>();

/** Removes `dir` if startRedis created it and no running server uses it. */
function removeIfUnused(dir: string): void {
  if ([...live.values()].includes(dir) || !tempDirs.delete(dir)) return;
  rmSync(dir, { recursive: true, force: true });
}
let exitHookInstalled = false;
/** At exit (when the runner lets 'exit' handlers run): SIGKILL servers still running, remove temp dirs. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live.keys()) {
      try {
        process.kill(c.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
}

export interface StartRedisOptions {
  /** Data directory; pass the previous server's dir to restart on its AOF. Default: a temp dir, removed at exit. */
  dir?: string;
  /** Port; pass the previous server's port to restart "the same" server. Default: a random free port. */
  port?: number;
  appendfsync?: 'always' | 'everysec';
  /** Milliseconds to wait for readiness (safety net only). */
  timeoutMs?: number;
  /** More redis-server arguments (a Redis Cluster node: `--cluster-enabled yes …`). */
  extraArgs?: string[];
}

function launch(port: number, dir: string, appendfsync: string, timeoutMs: number, extraArgs: string[]): Promise<RedisServer> {
  return new Promise((resolve, reject) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', appendfsync,
      '--save', '', '--daemonize', 'no', '--protected-mode', 'no', '--loglevel', 'notice', ...extraArgs];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.set(child, dir);
    installExitHook();
    let out = '';
    let ready = false;
    const exited = new Promise<void>((res) => {
      child.once('exit', () => {
        live.delete(child);
        res();
      });
    });
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} not ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      if (!ready && /Ready to accept connections/.test(out)) {
        ready = true;
        clearTimeout(timer);
        const server: RedisServer = {
          port,
          dir,
          pid: child.pid!,
          url: (topic, group) => `redis://127.0.0.1:${port}/${topic}${group === undefined ? '' : `?group=${encodeURIComponent(group)}`}`,
          kill: async (signal = 'SIGKILL') => {
            if (child.exitCode === null && child.signalCode === null) {
              try {
                process.kill(child.pid!, signal);
              } catch {
                /* gone */
              }
            }
            await exited;
          },
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) {
              removeIfUnused(dir);
              return;
            }
            try {
              process.kill(child.pid!, 'SIGTERM');
            } catch {
              /* gone */
            }
            const t = setTimeout(() => {
              try {
                process.kill(child.pid!, 'SIGKILL');
              } catch {
                /* gone */
              }
            }, 5000);
            await exited;
            clearTimeout(t);
            removeIfUnused(dir);
          },
          log: () => out,
          exited,
        };
        resolve(server);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      if (!ready) {
        clearTimeout(timer);
        const err = new Error(`redis-server exited (${code ?? signal}) before ready:\n${out}`) as Error & { addrInUse?: boolean };
        err.addrInUse = /Address already in use/i.test(out);
        reject(err);
      }
    });
  });
}

/** Starts redis-server and resolves once it accepts connections. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  let dir = opts.dir;
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'dstream-redis-'));
    tempDirs.add(dir);
    installExitHook();
  }
  const appendfsync = opts.appendfsync ?? 'always';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch(port, dir, appendfsync, timeoutMs, opts.extraArgs ?? []);
    } catch (e) {
      // The random port was taken between probing and binding: pick another one.
      if ((e as { addrInUse?: boolean }).addrInUse && opts.port === undefined && attempt < 5) continue;
      throw e;
    }
  }
}
