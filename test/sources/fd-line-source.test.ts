/**
 * FdLineSource reads a file in 1 MiB blocks with one block read ahead while
 * the last one is processed: over several blocks, with lines straddling block
 * ends, every line arrives once and in order; `position()` after the end is the
 * file's size and `resume` from a mid-file position gives exactly the rest; a
 * source that is behind (backpressure) reads on only once caught up; a batch
 * cut (`record` returns true) loses no line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { FdLineSource, READ_BLOCK_BYTES, type FilePosition } from '../../src/sources/fd-line-source.js';
import type { Backpressure } from '../../src/sources/flow.js';
import { CollectingSink } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-fd-source-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Lines `line 0 …` of varied lengths, about 3.5 blocks in all; the file has no trailing newline when `open`. */
function writeInput(name: string, open = false): { file: string; lines: string[] } {
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 3.5 * READ_BLOCK_BYTES; i++) {
    const line = `line ${i} ${'x'.repeat((i * 7919) % 300)}`;
    lines.push(line);
    bytes += line.length + 1;
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + (open ? '' : '\n'));
  return { file, lines };
}

/** Reads `file` to its end; `position` is taken before the descriptor is closed. */
async function readAll(file: string, setUp: (s: FdLineSource) => void = () => {}): Promise<{ sink: CollectingSink; position: FilePosition }> {
  const fd = fs.openSync(file, 'r');
  try {
    const source = new FdLineSource('test', fd, new IssueLog());
    setUp(source);
    const sink = new CollectingSink();
    source.start(sink);
    await sink.whenEnded();
    expect(sink.error).toBeUndefined();
    return { sink, position: source.position()! };
  } finally {
    fs.closeSync(fd);
  }
}

describe('FdLineSource (block reads with one read ahead)', () => {
  it('gives every line of a multi-block file once, in order, and ends at its size', async () => {
    const { file, lines } = writeInput('a.txt');
    const { sink, position } = await readAll(file);
    expect(sink.records).toEqual(lines);
    expect(position.offset).toBe(fs.statSync(file).size);
  });

  it('gives the last line without a newline', async () => {
    const { file, lines } = writeInput('open.txt', true);
    const { sink } = await readAll(file);
    expect(sink.records).toEqual(lines);
  });

  it('resumes from a mid-file position with exactly the rest', async () => {
    const { file, lines } = writeInput('b.txt');
    const k = Math.floor(lines.length * 0.6);
    const offset = Buffer.byteLength(lines.slice(0, k).join('\n') + '\n');
    const first = await readAll(file);
    const position = { ...first.position, offset };
    const { sink } = await readAll(file, (s) => s.resume(position));
    expect(sink.records).toEqual(lines.slice(k));
  });

  it('reads on only once the output has caught up, losing nothing', async () => {
    const { file, lines } = writeInput('c.txt');
    let behind = false;
    let waits = 0;
    const backpressure: Backpressure = {
      get behind() {
        return behind;
      },
      whenCaughtUp(fn) {
        waits++;
        const t = setImmediate(() => {
          behind = false;
          fn();
        });
        return () => clearImmediate(t);
      },
    };
    const fd = fs.openSync(file, 'r');
    try {
      const source = new FdLineSource('test', fd, new IssueLog());
      source.backpressure = backpressure;
      const sink = new CollectingSink();
      // Behind after every 20,000th line: the source must wait for the caught-up call each time.
      const record = sink.record.bind(sink);
      sink.record = (v: unknown) => {
        record(v);
        if (sink.records.length % 20_000 === 0) behind = true;
      };
      source.start(sink);
      await sink.whenEnded();
      expect(sink.error).toBeUndefined();
      expect(waits).toBeGreaterThan(0);
      expect(sink.records).toEqual(lines);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('loses no line when batches are cut (record says full)', async () => {
    const { file, lines } = writeInput('d.txt');
    const fd = fs.openSync(file, 'r');
    try {
      const source = new FdLineSource('test', fd, new IssueLog());
      const sink = new CollectingSink();
      let cuts = 0;
      const record = sink.record.bind(sink);
      Object.assign(sink, {
        record: (v: unknown) => {
          record(v);
          return sink.records.length % 7_777 === 0;
        },
        cut: () => cuts++,
      });
      source.start(sink);
      await sink.whenEnded();
      expect(sink.records).toEqual(lines);
      expect(cuts).toBe(Math.floor((lines.length - 1) / 7_777));
    } finally {
      fs.closeSync(fd);
    }
  });
});
