/**
 * `--after-read keep|delete|move:DIR`: what happens to a file of a watched
 * directory once the batch holding its lines has been output (Structured
 * Streaming's `cleanSource` = off | delete | archive with
 * `sourceArchiveDir`). Done in `Source.commit`, never before the output, so
 * a crash cannot lose a deleted file's lines (it may re-read them: at least
 * once).
 *
 * `move:DIR` keeps the file's path relative to its watched directory under
 * DIR, creating subdirectories; an existing target gets `.1`, `.2`, …
 * appended. Across file systems the file is copied, then removed.
 */
import { copyFileSync, existsSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';

/** The `--after-read` action. */
export type AfterRead = { kind: 'keep' } | { kind: 'delete' } | { kind: 'move'; dir: string };

/**
 * Parses `keep`, `delete` or `move:DIR`.
 * @throws ConfigError for anything else, or `move:` without a directory.
 */
export function parseAfterRead(text: string): AfterRead {
  if (text === 'keep' || text === 'delete') return { kind: text };
  if (text.startsWith('move:')) {
    const dir = text.slice(5);
    if (dir === '') throw new ConfigError(`--after-read: 'move:' needs a directory, e.g. move:/var/spool/done`);
    return { kind: 'move', dir };
  }
  throw new ConfigError(`--after-read: '${text}' is not keep, delete or move:DIR`);
}

/**
 * Creates the `move:DIR` target if needed and checks it is outside the
 * watched directories (else its files would be read again).
 * @param roots the watched directories (existing).
 * @throws ConfigError when DIR cannot be created or lies inside a watched directory.
 */
export function prepareAfterRead(action: AfterRead, roots: readonly string[], recursive: boolean): void {
  if (action.kind !== 'move') return;
  let target: string;
  try {
    makeDirs(action.dir);
    target = realpathSync(action.dir);
  } catch (e) {
    throw new ConfigError(`--after-read: cannot create '${action.dir}': ${(e as Error).message}`);
  }
  for (const r of roots) {
    const root = realpathSync(r);
    if (target === root || (recursive && target.startsWith(root + sep))) {
      throw new ConfigError(`--after-read move:${action.dir} lies inside the watched directory '${r}'; its files would be read again — choose a directory outside it`);
    }
  }
}

/**
 * Applies `action` to `path`, found under the watched directory `root`.
 * Synchronous (a few system calls per file), so it completes before the process exits.
 * @returns where the file went (`null` when deleted or kept).
 * @throws the fs error (the caller reports it as a warning).
 */
export function applyAfterRead(action: AfterRead, root: string, path: string): string | null {
  switch (action.kind) {
    case 'keep':
      return null;
    case 'delete':
      unlinkSync(path);
      return null;
    case 'move': {
      const base = join(action.dir, relative(root, path));
      let target = base;
      for (let i = 1; existsSync(target); i++) target = `${base}.${i}`;
      makeDirs(dirname(target));
      try {
        renameSync(path, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        copyFileSync(path, target);
        unlinkSync(path);
      }
      return target;
    }
  }
}
