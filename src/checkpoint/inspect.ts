/**
 * `dstream checkpoint inspect DIR` and `dstream checkpoint reset DIR`: a
 * checkpoint directory (checkpoint-store.ts) read for a person, or cleared
 * under its lock.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { ids } from './directory.js';
import { readDurable } from './durable-file.js';
import { CheckpointLock } from './lock.js';

/** What a checkpoint directory holds (checkpoint-store.ts); a directory with none of them holds no checkpoint. */
const CHECKPOINT_ENTRIES = ['metadata.json', 'offsets', 'commits', 'state'];

/**
 * Text for `dstream checkpoint inspect DIR`: metadata, latest batch, offsets, state size, and the byte
 * offset a file on stdin resumes at (`filePositionLines`); `DIR: no checkpoint` for a directory that
 * holds none (e.g. after `checkpoint reset`). Never throws on corrupt files.
 * @throws ConfigError when `dir` does not exist or is not a directory.
 */
export function inspectCheckpoint(dir: string): string {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`checkpoint inspect: ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`}`);
  }
  if (!isDirectory) throw new ConfigError(`checkpoint inspect: ${dir} is not a directory (a checkpoint is one)`);
  if (!CHECKPOINT_ENTRIES.some((f) => existsSync(join(dir, f)))) return `${dir}: no checkpoint\n`;
  const lines: string[] = [`checkpoint ${dir}`];
  const meta = readDurable(join(dir, 'metadata.json'));
  if (meta.ok) {
    const m = meta.body as { format: number; fingerprint: string; pipeline: unknown };
    lines.push(`format: ${m.format}`, `fingerprint: ${m.fingerprint}`, `pipeline: ${JSON.stringify(m.pipeline)}`);
  } else lines.push(`metadata: unreadable (${meta.reason})`);
  const offsets = ids(join(dir, 'offsets'));
  const commits = ids(join(dir, 'commits'));
  const snaps = ids(join(dir, 'state'));
  lines.push(`batches logged: ${offsets.length ? `${offsets[0]}..${offsets[offsets.length - 1]}` : 'none'}`);
  lines.push(`last committed batch: ${commits.length ? commits[commits.length - 1] : 'none'}`);
  const lastOffsets = offsets.length ? readDurable(join(dir, 'offsets', `${offsets[offsets.length - 1]}.json`)) : null;
  if (lastOffsets?.ok) lines.push(`last offsets: ${JSON.stringify(lastOffsets.body)}`);
  /** The newest readable snapshot: where a restart resumes. */
  let newest: { id: number; body: unknown } | null = null;
  for (const id of snaps) {
    const p = join(dir, 'state', `${id}.json`);
    const r = readDurable(p);
    lines.push(`state after batch ${id}: ${statSync(p).size} bytes${r.ok ? '' : ` (unreadable: ${r.reason})`}`);
    if (r.ok) newest = { id, body: r.body };
  }
  if (newest) lines.push(...filePositionLines(newest.id, newest.body));
  const lock = join(dir, 'lock');
  if (existsSync(lock)) lines.push(`lock: present`);
  return lines.join('\n') + '\n';
}

/**
 * The snapshot's file positions (stdin redirected from a regular file, fd-line-source.ts
 * `FilePosition`), one line each: the byte offset the next run resumes at and the file it is of, e.g.
 * `stdin: resumes at byte 24464 of /var/log/access.log (device 64768, inode 1234; in the state after
 * batch 3; the file has 30000 bytes now)`. The file's size now is told only when its path still names
 * the same device and inode.
 */
function filePositionLines(id: number, snapshot: unknown): string[] {
  const positions = (snapshot as { positions?: unknown } | null)?.positions;
  if (positions === null || typeof positions !== 'object') return [];
  const lines: string[] = [];
  for (const [name, p] of Object.entries(positions as Record<string, unknown>)) {
    const f = p as { dev?: unknown; ino?: unknown; offset?: unknown; path?: unknown } | null;
    if (f === null || typeof f !== 'object' || typeof f.offset !== 'number') continue;
    const which = `device ${String(f.dev)}, inode ${String(f.ino)}`;
    let now = '';
    if (typeof f.path === 'string') {
      try {
        const st = statSync(f.path);
        now = st.dev === f.dev && st.ino === f.ino ? `; the file has ${st.size} bytes now` : `; ${f.path} is another file now`;
      } catch {
        now = `; ${f.path} is gone now`;
      }
    }
    const file = typeof f.path === 'string' ? `${f.path} (${which}` : `the file of ${which} (its name was not recorded`;
    lines.push(`${name}: resumes at byte ${f.offset} of ${file}; in the state after batch ${id}${now})`);
  }
  return lines;
}

/**
 * `dstream checkpoint reset DIR`: removes the checkpoint (refuses while a live process holds it).
 * @throws DStreamError E_CHECKPOINT_IN_USE when locked.
 */
export function resetCheckpoint(dir: string): void {
  if (!existsSync(dir)) return;
  const meta = readDurable(join(dir, 'metadata.json'));
  if (!meta.ok || typeof (meta.body as { fingerprint?: unknown })?.fingerprint !== 'string') {
    throw new ConfigError(`${dir} is not a dstream checkpoint (metadata.json: ${meta.ok ? 'not checkpoint metadata' : meta.reason}); nothing was removed`);
  }
  const lock = CheckpointLock.acquire(dir);
  for (const f of ['offsets', 'commits', 'state', 'metadata.json']) rmSync(join(dir, f), { recursive: true, force: true });
  for (const f of readdirSync(dir)) if (/^wal(-\d+)?$/.test(f)) rmSync(join(dir, f), { recursive: true, force: true });
  lock.release();
}
