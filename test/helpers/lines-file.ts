/**
 * The file of the `--workers` segment tests: lines of 10 bytes (a line start is a multiple of 10),
 * three times `MIN_STEAL_BYTES` in all, in a temporary directory removed after the file's tests.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { lineEndAfter, MIN_STEAL_BYTES, type SegmentTable } from '../../src/engine/segments.js';

export const LINE = 10;

/** Opens a new lines file for the calling test file: its descriptor, size and line-aligned halves. */
export function linesFile(): { fd: number; size: number; halves: () => [number, number][] } {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-segments-'));
  const size = LINE * Math.ceil((3 * MIN_STEAL_BYTES) / LINE);
  const file = join(dir, 'lines.txt');
  writeFileSync(file, Buffer.alloc(size, 'abcdefghi\n'));
  const fd = openSync(file, 'r');
  afterAll(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  /** Line-aligned halves, as `lineAlignedRanges` cuts them. */
  const halves = (): [number, number][] => {
    const cut = lineEndAfter(fd, size / 2, size);
    return [[0, cut], [cut, size]];
  };
  return { fd, size, halves };
}

/**
 * Claims what is left of the first `segments` segments of `t` into `read`, then checks that the
 * blocks read tile `[0, size)` exactly once and that every segment starts at a line start.
 */
export function expectReadOnce(t: SegmentTable, segments: number, read: [number, number][], size: number): void {
  for (let i = 0; i < segments; i++) for (let b = t.claim(i, 1 << 20); b; b = t.claim(i, 1 << 20)) read.push(b);
  read.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [from, to] of read) {
    expect(from).toBe(at);
    at = to;
  }
  expect(at).toBe(size);
  for (const [start] of t.ranges()) expect(start % LINE).toBe(0);
}
