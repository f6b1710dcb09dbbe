/**
 * Property test: rows formatted as bytes (row-bytes.ts, FormatSink over a
 * `StreamOutput`) are exactly the UTF-8 encoding of what the string
 * formatters write (FormatSink over a `MemoryOutput`, no byte buffer), for
 * random records, window groups, batch times and buffer sizes (small ones
 * hand chunks on mid-row and send long rows whole); the same for `--output FILE`
 * and `--output-dir DIR` (FileOutput, BatchDirOutput), which format into bytes too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatSink } from '../../src/sinks/format-sink.js';
import { MemoryOutput, StreamOutput, type Output } from '../../src/sinks/output.js';
import { BatchDirOutput, FileOutput } from '../../src/sinks/durable-output.js';
import { RowBytes } from '../../src/sinks/row-bytes.js';
import type { OutputFormat } from '../../src/sinks/format.js';

const scalar = fc.oneof(
  fc.integer(), fc.double(), fc.maxSafeInteger(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324, 2 ** 53, -(2 ** 53 - 1), 2147483648, -2147483648, 99, 100, 1e15),
  fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a\tb', 'x\\y', 'l1\nl2', 'r\r', 'q"uote', 'c,d', 'é😀', '\ud800', 'ctl\u0001', ''),
  fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt(),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxKeys: 2 }),
);
const record = fc.oneof(scalar, fc.tuple(scalar, scalar), fc.array(scalar, { maxLength: 3 }), fc.tuple(fc.string({ maxLength: 400 }), fc.integer()));

/** A step: a record, a window group of records, or a batch end (with its time). */
const step = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), value: record }),
  fc.record({
    kind: fc.constant('group' as const),
    startMs: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.double({ min: 0, max: 4e12, noNaN: true }), fc.constantFrom(-1000, 253_402_300_799_999, 253_402_300_800_000, 86_399_999)),
    lengthMs: fc.integer({ min: 1, max: 7_200_000 }),
    eventTime: fc.boolean(),
    values: fc.array(record, { maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('batch' as const), timeMs: fc.integer({ min: 0, max: 4e12 }) }),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function play(out: Output, format: OutputFormat, steps: Step[]): void {
  let timeMs = 1000;
  const sink = new FormatSink(out, { format, everyBatch: false, currentBatchTimeMs: () => timeMs });
  let index = 0;
  for (const s of steps) {
    if (s.kind === 'record') sink.record(s.value);
    else if (s.kind === 'group') {
      sink.beginGroup({ startMs: s.startMs, endMs: s.startMs + s.lengthMs, eventTime: s.eventTime });
      for (const v of s.values) sink.record(v);
      sink.endGroup();
    } else {
      sink.endBatch({ timeMs, index: index++, bounded: true } as never);
      timeMs = s.timeMs;
    }
  }
  sink.endBatch({ timeMs, index: index++, bounded: true } as never);
}

describe('rows as bytes', () => {
  for (const format of ['json', 'tsv', 'csv'] as const) {
    it(`${format}: the UTF-8 bytes of the string formatters' text, whatever the buffer size`, () => {
      fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.constantFrom(4, 64, 300, 1 << 16), (steps, capacity) => {
        const memory = new MemoryOutput();
        play(memory, format, steps);
        const chunks: Buffer[] = [];
        const stream = { write: (chunk: Buffer) => (chunks.push(Buffer.from(chunk)), true) } as unknown as NodeJS.WritableStream;
        play(new StreamOutput(stream, capacity), format, steps);
        expect(Buffer.concat(chunks).equals(Buffer.from(memory.text, 'utf8'))).toBe(true);
      }), { numRuns: 400 });
    });
  }
});

describe('rows as bytes into --output FILE and --output-dir DIR', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-row-bytes-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let run = 0;
  for (const format of ['json', 'tsv', 'csv'] as const) {
    it(`${format}: the file holds, and the batch files in order hold, the UTF-8 bytes of the string formatters' text`, () => {
      fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const memory = new MemoryOutput();
        play(memory, format, steps);
        const file = path.join(tmp, `out-${++run}.${format}`);
        const out = new FileOutput(file);
        play(out, format, steps);
        out.close();
        expect(fs.readFileSync(file).equals(Buffer.from(memory.text, 'utf8'))).toBe(true);
        const dir = path.join(tmp, `dir-${run}`);
        let k = 0;
        play(new BatchDirOutput(dir, () => k++), format, steps);
        const files = fs.readdirSync(dir).sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1]));
        expect(files).toEqual(Array.from({ length: k }, (_, i) => `batch-${i}`));
        expect(Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f)))).equals(Buffer.from(memory.text, 'utf8'))).toBe(true);
      }), { numRuns: 150 });
    });
  }
});

describe('RowBytes.integer', () => {
  it('writes String(x) for every safe integer and refuses the rest', () => {
    const b = new RowBytes(() => {}, 256);
    fc.assert(fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.double(), fc.constantFrom(-0, 2 ** 53, 1e21, 10 ** 15, 10 ** 16)), (x) => {
      b.clear();
      const ok = b.integer(x);
      expect(ok).toBe(Number.isSafeInteger(x));
      if (ok) expect(b.buf.toString('latin1', 0, b.n)).toBe(String(x));
    }), { numRuns: 2000 });
  });
});
