/**
 * The files of a checkpoint directory (checkpoint-store.ts has the layout):
 * the batch ids a log directory holds, and the safety checks made under the
 * lock before anything is read — no symbolic links, no files that are not
 * regular, no directory another user owns or others may write, and no temp
 * files left by interrupted writes.
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** Batch ids of the `<id>.json` files in a log directory, ascending; none when it cannot be read. */
export function ids(dir: string): number[] {
  try {
    return readdirSync(dir)
      .map((f) => /^(\d+)\.json$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/**
 * Refuses (ConfigError) a checkpoint directory, or one inside it, that is a
 * symbolic link, not a directory, owned by another user or writable by group
 * or others (as ssh does for its keys).
 */
export function checkOwnDirectory(path: string, name: string): void {
  const st = lstatSync(path);
  const what = name === path ? `--checkpoint ${path}` : `--checkpoint ${dirname(path)}: ${name}`;
  if (st.isSymbolicLink()) throw new ConfigError(`${what} is a symbolic link; dstream does not follow links in a checkpoint`);
  if (!st.isDirectory()) throw new ConfigError(`${what} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new ConfigError(`${what} is owned by user ${st.uid}, not by you (user ${uid}); use a checkpoint directory of your own`);
  if (st.mode & 0o022) throw new ConfigError(`${what} is writable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); run chmod 700 on it, or use a new directory`);
}

/** The log directories of a checkpoint: offsets, commits, state and any write-ahead logs. */
export function logDirs(dir: string): string[] {
  return ['offsets', 'commits', 'state', ...readdirSync(dir).filter((f) => /^wal(-\d+)?$/.test(f))];
}

/**
 * Refuses (ConfigError) a symbolic link or a non-regular file among the
 * entries of a checkpoint log directory, and removes leftover temp files of
 * interrupted writes (`.NAME.<random>.tmp`).
 */
export function checkEntries(path: string, name: string): void {
  for (const f of readdirSync(path)) {
    const st = lstatSync(join(path, f), { throwIfNoEntry: false });
    if (!st) continue; // pruned meanwhile
    if (/^\..+\.[0-9a-f]{16}\.tmp$/.test(f) && (st.isFile() || st.isSymbolicLink())) {
      rmSync(join(path, f), { force: true });
      continue;
    }
    if (st.isSymbolicLink()) throw new ConfigError(`--checkpoint ${dirname(path)}: ${name}/${f} is a symbolic link; dstream does not follow links in a checkpoint: remove it`);
    if (!st.isFile()) throw new ConfigError(`--checkpoint ${dirname(path)}: ${name}/${f} is not a regular file; remove it`);
  }
}
