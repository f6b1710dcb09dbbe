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

/** Polls `cond` every `everyMs` until it returns a truthy value (its result) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, cond: () => Promise<T> | T, timeoutMs = 60_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
