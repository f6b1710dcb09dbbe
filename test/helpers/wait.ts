/** Waiting on events instead of time. */
import { existsSync, mkdirSync, watch } from 'node:fs';
import { dirname } from 'node:path';

/** Resolves when `path` exists: an fs.watch event on its directory (rejects after `timeoutMs` as a safety net). */
export function fileAppears(path: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((res, rej) => {
    mkdirSync(dirname(path), { recursive: true });
    const done = () => {
      w.close();
      clearTimeout(t);
      res();
    };
    const w = watch(dirname(path), () => existsSync(path) && done());
    const t = setTimeout(() => {
      w.close();
      rej(new Error(`${path} did not appear within ${timeoutMs} ms`));
    }, timeoutMs);
    if (existsSync(path)) done();
  });
}
