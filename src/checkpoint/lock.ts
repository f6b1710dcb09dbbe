/**
 * One writer per checkpoint directory: `DIR/lock` holds the owner's pid, host
 * and process start time (from /proc, so a recycled pid is not mistaken for
 * the owner). A second dstream finds a live owner and stops at once
 * (`E_CHECKPOINT_IN_USE`, exit 75); the lock of a process that died (kill -9)
 * is taken over automatically.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DStreamError } from '../core/errors.js';

interface Owner {
  pid: number;
  host: string;
  start: string;
}

function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function alive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true; // cannot check another host: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return owner.start === '' || processStart(owner.pid) === owner.start;
}

/** A held checkpoint lock. */
export class CheckpointLock {
  private constructor(private readonly path: string, private readonly me: Owner) {}

  /**
   * Takes the lock of `dir`.
   * @throws DStreamError `E_CHECKPOINT_IN_USE` (exit 75) when a live process holds it.
   */
  static acquire(dir: string): CheckpointLock {
    const path = join(dir, 'lock');
    const me: Owner = { pid: process.pid, host: hostname(), start: processStart(process.pid) };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, JSON.stringify(me) + '\n');
        closeSync(fd);
        return new CheckpointLock(path, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner: Owner | null = null;
      try {
        const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
        if (typeof o.pid === 'number') owner = o;
      } catch {
        owner = null; // torn or empty lock file: its writer died mid-write
      }
      if (owner && alive(owner)) {
        throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `checkpoint ${dir} is in use by process ${owner.pid} on ${owner.host}; stop it first, or use another --checkpoint directory`);
      }
      try {
        unlinkSync(path); // stale: its owner is gone
      } catch {
        /* someone else removed it: retry */
      }
    }
    throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `checkpoint ${dir} is in use (its lock keeps changing hands)`);
  }

  /** Releases the lock if this process still holds it. */
  release(): void {
    try {
      const o = JSON.parse(readFileSync(this.path, 'utf8')) as Owner;
      if (o.pid === this.me.pid && o.start === this.me.start) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
