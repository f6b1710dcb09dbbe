/**
 * `mkdir -p`, one level at a time. Node 20's `mkdirSync(path, { recursive: true })`
 * loops forever on a path under /proc (`mkdir` there says ENOENT for a parent that
 * exists), which hung `--checkpoint /proc/x`; this fails with that error instead.
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * Creates `path` and its missing parents (each with `mode`); an existing directory is fine,
 * also one another process creates at the same time.
 * @throws the `mkdir` error of the first level that cannot be created (ENOENT, EACCES, EROFS…),
 *   or ENOTDIR when a level exists and is not a directory.
 */
export function makeDirs(path: string, mode?: number): void {
  const parts = resolve(path).split(sep);
  let p = '';
  for (let i = 1; i < parts.length; i++) {
    if (parts[i] === '') continue;
    p += sep + parts[i];
    try {
      mkdirSync(p, mode === undefined ? undefined : { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!statSync(p).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p });
    }
  }
}
