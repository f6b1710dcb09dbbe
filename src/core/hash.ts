/**
 * `createHash` of node:crypto, which is loaded on the first call: only jobs
 * with a checkpoint or a file source hash anything, and loading node:crypto
 * (with its ESM facade) was ~5 % of the CLI's start-up.
 */
import { createRequire } from 'node:module';
import type { Hash } from 'node:crypto';

let crypto: typeof import('node:crypto') | undefined;

/** node:crypto's `createHash(algorithm)` (e.g. `'sha256'`); throws as it does for an unknown algorithm. */
export function createHash(algorithm: string): Hash {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.createHash(algorithm);
}

/** node:crypto's `randomBytes(size)`, loaded on first use as `createHash`. */
export function randomBytes(size: number): Buffer {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto.randomBytes(size);
}
