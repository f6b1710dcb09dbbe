import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { escapeControl, useColor } from '../../src/cli/terminal.js';
import { LiveView } from '../../src/cli/live-view.js';
import { applyConfig, printConfig } from '../../src/cli/config.js';
import { ProgressReporter } from '../../src/observe/progress.js';
import { IssueLog } from '../../src/core/issues.js';

describe('colour rules: --color/--no-color > FORCE_COLOR > NO_COLOR > TERM=dumb > isTTY', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it.each([
    [pipe, {}, undefined, false],
    [tty, {}, undefined, true],
    [tty, { TERM: 'dumb' }, undefined, false],
    [tty, { NO_COLOR: '1' }, undefined, false],
    [tty, { NO_COLOR: '' }, undefined, true],
    [pipe, { FORCE_COLOR: '1' }, undefined, true],
    [tty, { FORCE_COLOR: '0' }, undefined, false],
    [tty, { NO_COLOR: '1', FORCE_COLOR: '1' }, undefined, true],
    [pipe, { NO_COLOR: '1' }, true, true],
    [tty, { FORCE_COLOR: '1' }, false, false],
  ] as const)('%o %o flag %o → %o', (stream, env, flag, expected) => {
    expect(useColor(stream, env as NodeJS.ProcessEnv, flag)).toBe(expected);
  });
});

describe('escaping', () => {
  it('makes control characters visible so data cannot drive the terminal', () => {
    expect(escapeControl('a\x1b[2Jb\x07c\x9bd\ne\tf')).toBe('a\\x1b[2Jb\\x07c\\x9bd\\ne f');
    expect(escapeControl('plain #hashtag 😀')).toBe('plain #hashtag 😀');
  });
});

describe('live view', () => {
  it('renders rank, key, value and change markers, escaped and cut to the width', () => {
    const stream = { columns: 40, rows: 10, isTTY: true, write: () => true, on: () => stream, off: () => stream } as unknown as NodeJS.WriteStream;
    const view = new LiveView({ stream, chalk: new Chalk({ level: 0 }), unicode: true });
    const w = { startMs: 0, endMs: 600_000, eventTime: true };
    const first = view.render(0, [['#a', 5], ['#b\x1b[31m', 3]], w);
    for (const line of first.split('\n')) expect(line.length).toBe(40);
    expect(first.split('\n')).toEqual([
      'window [1970-01-01T00:00:00.000Z, 1970-…',
      '1  #a                                5 +',
      '2  #b\\x1b[31m                        3 +',
    ]);
    const second = view.render(0, [['#b\x1b[31m', 7], ['#a', 5], ['#c', 1]], w);
    expect(second.split('\n').slice(1)).toEqual([
      '1  #b\\x1b[31m                        7 ↑',
      '2  #a                                5  ',
      '3  #c                                1 +',
    ]);
  });
});

describe('config file and environment', () => {
  it('flags > DSTREAM_* > config file; operators only from flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ batch: '5s', format: 'tsv', print: 3 }));
    const known = ['batch', 'format', 'print', 'map', 'config'];
    const r = applyConfig(['--config', file, '--map', 'x => x', '--print', '7'], { DSTREAM_FORMAT: 'json' }, known, ['map']);
    expect(r.argv).toEqual(['--batch', '5s', '--format', 'json', '--map', 'x => x', '--print', '7']);
    expect(Object.fromEntries(r.sources)).toEqual({ config: 'flag', map: 'flag', print: 'flag', format: 'env', batch: 'config' });
    expect(printConfig({ batch: '5s', format: 'json', print: 7 }, r.sources, known)).toBe('batch = "5s"  (config)\nformat = "json"  (env)\nprint = 7  (flag)\n');
    writeFileSync(file, JSON.stringify({ map: 'x => x' }));
    expect(() => applyConfig(['--config', file], {}, known, ['map'])).toThrow("'map' is an operator");
    writeFileSync(file, '{not json');
    expect(() => applyConfig(['--config', file], {}, known, ['map'])).toThrow(`--config ${file}:`);
  });
});

describe('progress', () => {
  it('--progress-json writes one StreamingQueryProgress-style object per batch; --stats one line with the same figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-progress-'));
    let err = '';
    const stderr = { write: (s: string) => ((err += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    let out = 0;
    let wall = Date.parse('2026-12-05T12:00:00.000Z');
    const p = new ProgressReporter({
      stderr, chalk: new Chalk({ level: 0 }), spinner: false, stats: true, progressJson: join(dir, 'p.jsonl'),
      batchIntervalMs: 1000, issues: new IssueLog(), recordsOut: () => (out += 2), now: () => wall,
    });
    wall += 40;
    p.onBatch({ timeMs: 1000, index: 0, final: false }, { recordsIn: 10, processingMs: 5, schedulingDelayMs: 1, stateKeys: 3, watermarkMs: 500, replayed: false });
    wall += 1600;
    p.onBatch({ timeMs: 2000, index: 1, final: false }, { recordsIn: 4, processingMs: 1500, schedulingDelayMs: 0, stateKeys: 4, replayed: false });
    p.stop();
    const lines = readFileSync(join(dir, 'p.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({
      batchId: 0, timestamp: '2026-12-05T12:00:00.040Z', batchTime: 1000, numInputRows: 10, inputRowsPerSecond: 250, processedRowsPerSecond: 2000,
      durationMs: { triggerExecution: 5, schedulingDelay: 1 }, eventTime: { watermark: '1970-01-01T00:00:00.500Z' },
      stateOperators: [{ numRowsTotal: 3 }], sink: { numOutputRows: 2 }, numLateRows: 0, numSkippedRows: 0,
    });
    expect(lines[1]).toMatchObject({ batchId: 1, timestamp: '2026-12-05T12:00:01.640Z', batchTime: 2000, inputRowsPerSecond: 2.5 });
    const errLines = err.trim().split('\n');
    expect(errLines[0]).toBe('dstream: 250 rec/s · batch 1 · 10 in, 2 out · processing 5 ms / 1000 ms · delay 1 ms · 3 keys · 0 late · 0 skipped');
    expect(errLines[2]).toBe('dstream: warning: batch 2000 took 1500 ms, longer than the batch interval 1000 ms: falling behind');
  });

  it('a file read whole: the rates agree, no keys without state, no falling-behind warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-progress-'));
    let err = '';
    const stderr = { write: (s: string) => ((err += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    let wall = Date.parse('2026-12-05T12:00:00.000Z');
    const p = new ProgressReporter({
      stderr, chalk: new Chalk({ level: 0 }), spinner: false, stats: true, progressJson: join(dir, 'p.jsonl'),
      batchIntervalMs: 1000, issues: new IssueLog(), recordsOut: () => 8, now: () => wall,
    });
    wall += 2500; // reading the file took 2.5 s
    p.onBatch({ timeMs: 1000, index: 0, final: true, last: true, bounded: true }, { recordsIn: 10_000, processingMs: 2500, schedulingDelayMs: 0, replayed: false });
    p.stop();
    const json = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8'));
    expect(json).toMatchObject({
      timestamp: '2026-12-05T12:00:02.500Z', batchTime: 1000, numInputRows: 10_000, inputRowsPerSecond: 4000, processedRowsPerSecond: 4000,
      durationMs: { triggerExecution: 2500, schedulingDelay: 0 }, stateOperators: [],
    });
    expect(err).toBe('dstream: 4,000 rec/s · batch 1 · 10,000 in, 8 out · processing 2500 ms / 1000 ms · delay 0 ms · 0 late · 0 skipped\n');
  });
});
