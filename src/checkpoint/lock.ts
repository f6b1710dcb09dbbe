/**
 * One writer per checkpoint directory: `DIR/lock` holds the owner's pid, host,
 * process start time (from /proc, so a recycled pid is not mistaken for the
 * owner) and a random nonce; an owner that is a zombie (killed, its parent has
 * not reaped it yet) is dead. A second dstream finds a live owner and stops at
 * once (`E_CHECKPOINT_IN_USE`, exit 75); the lock of a process that died
 * (kill -9) is taken over automatically.
 *
 * The lock appears with its content in one step: the owner record is written
 * to a temp file with an unpredictable name, which is then hard-linked to
 * `lock` (link(2) fails with EEXIST when `lock` exists), so no process ever
 * reads an empty or half-written lock. A stale lock is broken by renaming it
 * away and checking that what was renamed is the record judged stale (else it
 * is put back). A `lock` that is a symbolic link, a directory, a FIFO … is
 * refused (ConfigError, exit 2) and never opened in a way that could block.
 */
import { randomBytes } from '../core/hash.js';
import { closeSync, constants, linkSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DStreamError } from '../core/errors.js';
import { readRegularFile, writeFully } from './durable-file.js';

interface Owner {
  pid: number;
  host: string;
  start: string;
  nonce?: string;
}

/** Fields of /proc/PID/stat after the command name (0: state, 19: start time in clock ticks), or null. */
function procStat(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function processStart(pid: number): string {
  return procStat(pid)?.[19] ?? '';
}

function alive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // cannot check another host: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = procStat(owner.pid);
  if (stat?.[0] === 'Z') return false; // killed, not yet reaped by its parent: it holds nothing
  return owner.start === '' || (stat?.[19] ?? '') === owner.start;
}

const randomName = (dir: string, what: string) => join(dir, `.lock.${randomBytes(8).toString('hex')}.${what}`);

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Creates `path` holding `text` in one step (see module doc); false when it exists. */
function createWith(dir: string, path: string, text: string): boolean {
  const tmp = randomName(dir, 'tmp');
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    writeFully(fd, Buffer.from(text), tmp);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkQuietly(tmp);
  }
}

/**
 * The text of the lock at `path`, or null when it is gone.
 * @throws ConfigError when `lock` is a symbolic link or not a regular file.
 */
function readLock(dir: string, path: string): string | null {
  try {
    return readRegularFile(path).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const what = code === 'ELOOP' ? 'a symbolic link' : code === 'ENOTREG' ? 'not a regular file' : null;
    if (what) throw new ConfigError(`checkpoint ${dir}: its lock is ${what}, not a lock dstream wrote; remove ${path} if no dstream runs on this checkpoint`);
    throw e;
  }
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Owner;
    return typeof o?.pid === 'number' && typeof o.host === 'string' ? o : null;
  } catch {
    return null; // not a lock record (an older dstream's torn write, or damage): stale
  }
}

/** Removes the lock at `path` if it still holds `text` (see module doc). */
function breakStale(dir: string, path: string, text: string): void {
  const aside = randomName(dir, 'stale');
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it
  }
  let moved: string | null = null;
  try {
    moved = readRegularFile(aside).toString('utf8');
  } catch {
    /* unreadable: treat as not ours */
  }
  if (moved !== text) {
    try {
      linkSync(aside, path); // a new owner's lock: put it back
    } catch {
      /* a third process took the name meanwhile */
    }
  }
  unlinkQuietly(aside);
}

/** A held checkpoint lock. */
export class CheckpointLock {
  private constructor(private readonly path: string, private readonly text: string) {}

  /**
   * Takes the lock of `dir`.
   * @throws DStreamError `E_CHECKPOINT_IN_USE` (exit 75) when a live process holds it;
   *   ConfigError (exit 2) when `lock` is a symbolic link or not a regular file;
   *   DStreamError `E_CHECKPOINT_WRITE` (exit 1) when it cannot be created (EIO, ENOSPC …).
   */
  static acquire(dir: string): CheckpointLock {
    const path = join(dir, 'lock');
    const me: Owner = { pid: process.pid, host: hostname(), start: processStart(process.pid), nonce: randomBytes(8).toString('hex') };
    const text = JSON.stringify(me) + '\n';
    for (let attempt = 0; attempt < 5; attempt++) {
      let created: boolean;
      try {
        created = createWith(dir, path, text);
      } catch (e) {
        throw new DStreamError('E_CHECKPOINT_WRITE', 'checkpoint', `cannot create the lock ${path}: ${(e as Error).message}`, { cause: e });
      }
      if (created) return new CheckpointLock(path, text);
      const current = readLock(dir, path);
      if (current === null) continue;
      const owner = parseOwner(current);
      if (owner && alive(owner)) {
        throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `checkpoint ${dir} is in use by process ${owner.pid} on ${owner.host}; stop it first, or use another --checkpoint directory`);
      }
      breakStale(dir, path, current);
    }
    throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `checkpoint ${dir} is in use (its lock keeps changing hands)`);
  }

  /** Releases the lock if this process still holds it. */
  release(): void {
    try {
      if (readRegularFile(this.path).toString('utf8') === this.text) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
