/**
 * `--max-rate N` with clock-cut batches: every batch holds at most N × batch
 * interval records, even when its timer fires after the clock's second has
 * turned (a busy event loop). The clock here lets time pass without firing
 * timers, which is how a late batch timer looks to the rate limiter.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { createInputs } from '../../src/cli/inputs.js';
import type { Clock } from '../../src/core/clock.js';
import { StreamingContext } from '../../src/engine/context.js';

/** A clock whose timers fire only when `fireDue()` is called: time can pass before a batch is cut. */
class LateClock implements Clock {
  private time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  now(): number {
    return this.time;
  }
  schedule(atMs: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: atMs, fn, id });
    return () => (this.timers = this.timers.filter((t) => t.id !== id));
  }
  advance(ms: number): void {
    this.time += ms;
  }
  fireDue(): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > this.time) return;
      this.timers.shift();
      next.fn();
    }
  }
}

async function job(argv: string[]) {
  const r = parseArgs([...argv, '--count']);
  if (r.kind !== 'run') throw new Error('not a run');
  const clock = new LateClock();
  const ssc = new StreamingContext({ batchIntervalMs: r.options.batchIntervalMs, clock });
  const stdin = new PassThrough();
  const inputs = await createInputs(ssc, r.options.sources, {
    maxLineBytes: 1 << 20, errLine: () => {}, stdin, stdout: { writableLength: 0, on: () => undefined },
  });
  let seen = 0;
  let notify = () => {};
  const batches: string[][] = [];
  inputs.stream.map((l) => (seen++, notify(), l)).foreachBatch((rs, ctx) => batches.push([String(ctx.timeMs), ...(rs as string[])]));
  ssc.start();
  const until = (n: number) => new Promise<void>((resolve) => {
    notify = () => seen >= n && resolve();
    notify();
  });
  /** Writes `text` and returns once the source has handled it (its handler runs before ours). */
  const write = async (text: string) => {
    const handled = once(stdin, 'data');
    stdin.write(text);
    await handled;
  };
  return { clock, ssc, stdin, batches, until, write };
}

describe('--max-rate with batches cut by the clock', () => {
  it('a batch cut late holds at most N records: the next second\'s budget goes to the next batch', async () => {
    const { clock, ssc, stdin, batches, until, write } = await job(['--max-rate', '3']);
    await write('1\n2\n3\n');
    await until(3);
    clock.advance(1000); // the second turns; the batch timer (due at 1000) has not fired yet
    await write('4\n5\n6\n');
    clock.fireDue(); // batch 1000 is cut
    await until(6);
    clock.advance(1000);
    await write('7\n8\n9\n');
    clock.fireDue(); // batch 2000
    await until(9);
    stdin.end();
    await ssc.awaitTermination();
    expect(batches).toEqual([['1000', '1', '2', '3'], ['2000', '4', '5', '6'], ['3000', '7', '8', '9']]);
  });

  it('a batch of 500 ms holds half the budget of a second', async () => {
    const { clock, ssc, stdin, batches, until, write } = await job(['--max-rate', '4', '--batch', '500ms']);
    await write('1\n2\n3\n4\n5\n');
    await until(2);
    clock.advance(500);
    clock.fireDue();
    await until(4);
    stdin.end();
    clock.advance(500);
    clock.fireDue();
    await until(5);
    await ssc.awaitTermination();
    expect(batches.map((b) => b.slice(1))).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });
});
