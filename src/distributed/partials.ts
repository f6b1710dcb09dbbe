/**
 * The packed messages between the stages and the packed output rows, and the
 * key → key-partition routing.
 *
 * - A stage-1 message for one key partition is the JSON of
 *   `[[paneIndex, [[key, partial], ...]], ...]` with values tagged by the
 *   checkpoint codec (Infinity, undefined, BigInt survive).
 * - An output row is the JSON of `[windowStartMs, windowEndMs, record]`;
 *   a stream entry holds up to `ROWS_PER_ENTRY` rows joined by LF.
 */
import { decodeState, encodeState } from '../checkpoint/codec.js';
import { GLOBAL_KEY, objectKeyText } from '../operators/keyed-map.js';
import { GLOBAL_SENTINEL, type PanePartials } from '../engine/map-side-combine.js';
import type { ClosedWindow } from './pane-table.js';

/** Rows per output stream entry. */
export const ROWS_PER_ENTRY = 1000;

/** 32-bit FNV-1a of a string (deterministic across processes and machines). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Key partition (0 … n−1) of a decoded key: strings hash as themselves, object keys as the text a local
 * run groups them by (`objectKeyText`: keys one locally, such as `[NaN]` and `[null]`, meet in one key
 * partition; a plain array's text is its codec JSON, as before), other keys as their codec JSON.
 */
export function keyPartition(key: unknown, n: number): number {
  if (n === 1) return 0;
  let text: string;
  if (typeof key === 'string') text = key;
  else if (typeof key === 'object' && key !== null) text = `\u0001${objectKeyText(key)}`;
  else text = `\u0001${JSON.stringify(encodeState(key))}`;
  return fnv1a(text) % n;
}

/** Splits the partials of a batch by key partition and packs each: `n` strings, '' where there is nothing. */
export function packByKeyPartition(partials: PanePartials[], n: number): string[] {
  const parts: PanePartials[][] = Array.from({ length: n }, () => []);
  for (const [pane, entries] of partials) {
    const byQ = new Map<number, [unknown, unknown][]>();
    for (const e of entries) {
      const q = keyPartition(e[0], n);
      let list = byQ.get(q);
      if (!list) byQ.set(q, (list = []));
      list.push(e);
    }
    for (const [q, list] of byQ) parts[q]!.push([pane, list]);
  }
  return parts.map((p) => (p.length ? JSON.stringify(encodeState(p)) : ''));
}

/**
 * Unpacks one message payload; global aggregations get `GLOBAL_KEY` back.
 * @throws CorruptStateError / SyntaxError for a payload not made by `packByKeyPartition`.
 */
export function unpackPartials(data: string): PanePartials[] {
  if (data === '') return [];
  const parts = decodeState(JSON.parse(data)) as PanePartials[];
  for (const [, entries] of parts) for (const e of entries) if (e[0] === GLOBAL_SENTINEL) e[0] = GLOBAL_KEY;
  return parts;
}

/** Packs the rows of closed windows into stream entries. */
export function packRows(windows: ClosedWindow[]): { packs: string[]; rows: number } {
  const lines: string[] = [];
  for (const w of windows) for (const r of w.records) lines.push(JSON.stringify([w.startMs, w.endMs, encodeState(r)]));
  const packs: string[] = [];
  for (let i = 0; i < lines.length; i += ROWS_PER_ENTRY) packs.push(lines.slice(i, i + ROWS_PER_ENTRY).join('\n'));
  return { packs, rows: lines.length };
}

/** One output row. */
export interface OutputRow {
  startMs: number;
  endMs: number;
  record: unknown;
}

/** Unpacks one output stream entry. */
export function unpackRows(pack: string): OutputRow[] {
  return pack.split('\n').map((l) => {
    const [startMs, endMs, r] = JSON.parse(l) as [number, number, unknown];
    return { startMs, endMs, record: decodeState(r) };
  });
}
