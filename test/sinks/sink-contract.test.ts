/** The Sink contract: `addBatch(batchId)` is idempotent per batch id once a sink knows the checkpoint's logs (`recover`). */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchDirOutput, FileOutput } from '../../src/sinks/durable-output.js';
import { isSink, sinkLogOf } from '../../src/sinks/sink.js';
import { MemoryOutput, StreamOutput } from '../../src/sinks/output.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dstream-sink-'));
  dirs.push(d);
  return d;
};

describe('FileOutput (--output FILE)', () => {
  it('without a checkpoint: every batch is appended', () => {
    const path = join(tmp(), 'out.tsv');
    const f = new FileOutput(path);
    f.write('a\n');
    f.addBatch(0);
    f.write('b\n');
    f.addBatch(1);
    f.close();
    expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
  });

  it('recovery: re-run committed batches are dropped, the batch in flight is cut back and written once', () => {
    const path = join(tmp(), 'out.tsv');
    writeFileSync(path, 'b0\nb1\nb2-partial'); // batches 0 and 1 committed; batch 2 started at byte 6 and crashed
    const f = new FileOutput(path);
    f.recover({ committedId: 1, inFlight: { batchId: 2, startedAt: 6 } });
    expect(f.position()).toBe(6);
    f.write('b1\n');
    f.addBatch(1); // committed before: dropped
    expect(readFileSync(path, 'utf8')).toBe('b0\nb1\n');
    f.write('b2\n');
    f.addBatch(2);
    f.write('b3\n');
    f.addBatch(3);
    f.close();
    expect(readFileSync(path, 'utf8')).toBe('b0\nb1\nb2\nb3\n');
  });
});

describe('BatchDirOutput (--output-dir DIR)', () => {
  it('a batch committed before writes no file again; the batch in flight writes its file whole', () => {
    const dir = tmp();
    let timeMs = 1000;
    const d = new BatchDirOutput(dir, () => timeMs);
    d.recover({ committedId: 0, inFlight: { batchId: 1, startedAt: null } });
    writeFileSync(join(dir, 'batch-2000'), 'half'); // the crashed run's file of batch 1, if any, is replaced
    d.write('x\n');
    d.addBatch(0);
    expect(readdirSync(dir)).toEqual(['batch-2000']);
    timeMs = 2000;
    d.write('y\n');
    d.addBatch(1);
    expect(readFileSync(join(dir, 'batch-2000'), 'utf8')).toBe('y\n');
  });
});

describe('StreamOutput (stdout)', () => {
  /** A writable that keeps what is written, synchronously. */
  const collect = () => {
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    return { stream, text: () => text };
  };

  it('recovery: rows of batches committed before are dropped, even past the buffer size; later batches are written', () => {
    const c = collect();
    const out = new StreamOutput(c.stream, 4);
    out.recover({ committedId: 1, inFlight: null });
    out.write('zero-zero\n');
    out.addBatch(0);
    out.write('one-one-one\n');
    out.addBatch(1);
    out.write('two\n');
    out.addBatch(2);
    out.write('three-three\n'); // over the buffer size: written as it comes again
    expect(c.text()).toBe('two\nthree-three\n');
  });

  it('without recover, addBatch is a flush', () => {
    const c = collect();
    const out = new StreamOutput(c.stream);
    out.write('a\n');
    expect(c.text()).toBe('');
    out.addBatch(7);
    expect(c.text()).toBe('a\n');
  });
});

it('isSink tells a Sink from a plain Output', () => {
  expect(isSink(new StreamOutput(new PassThrough()))).toBe(true);
  expect(isSink(new MemoryOutput())).toBe(false);
});

it('sinkLogOf: the last committed re-run batch, and the batch in flight with where this sink stood when it started', () => {
  const batches = [
    { offsets: { id: 4, outputs: { 'file:/o': 10 } }, commit: { id: 4 } },
    { offsets: { id: 5, outputs: { 'file:/o': 20 } }, commit: { id: 5 } },
    { offsets: { id: 6, outputs: { 'file:/o': 30 } }, commit: null },
  ];
  expect(sinkLogOf(batches, 'file:/o')).toEqual({ committedId: 5, inFlight: { batchId: 6, startedAt: 30 } });
  expect(sinkLogOf(batches, 'stdout')).toEqual({ committedId: 5, inFlight: { batchId: 6, startedAt: undefined } });
  expect(sinkLogOf([], 'file:/o')).toEqual({ committedId: -1, inFlight: null });
});
