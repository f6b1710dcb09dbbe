/**
 * How the Redis backend stores values: numbers as text (`inf`, `-inf`),
 * stream entries as flat field lists.
 */
import type { CommitResult, InputEntry, Stage2Message } from '../backend.js';

/** The registry of output streams (any topic). */
export const OUTPUTS = 'ds:outputs';
/** A stream entry as ioredis returns it: `[id, [field, value, …]]`. */
export type Entry = [string, string[]];

/** A fenced script's reply as a `CommitResult`. */
export function commitResult(r: string): CommitResult {
  return r === 'OK' ? 'ok' : r === 'FENCED' ? 'fenced' : 'stale';
}

/** A number as stored: `inf`, `-inf` or decimal. */
export function numText(n: number): string {
  return n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n);
}

/** Inverse of `numText`; missing → `dflt`. */
export function textNum(s: string | null | undefined, dflt: number): number {
  if (s === null || s === undefined || s === '') return dflt;
  return s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
}

/** `[k1, v1, k2, v2, …]` → `{ k1: v1, … }`. */
export function hash(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]!] = flat[i + 1]!;
  return o;
}

/** An input stream entry: `l=<lines>` or `eof=1`. */
export function toInputEntry([id, f]: Entry): InputEntry {
  const h = hash(f);
  return { id, lines: h.l ?? null, eof: h.eof === '1' };
}

/** A stage-1 → stage-2 message (fields of s1-commit.lua). */
export function toMessage([id, f]: Entry): Stage2Message {
  const h = hash(f);
  return { id, source: Number(h.s), seq: Number(h.n), watermarkMs: textNum(h.w, -Infinity), eof: h.e === '1', idle: h.i === '1', data: h.d ?? '' };
}

/** `0 … n−1`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
