/** Test helpers for sources: a collecting sink, and waiting on conditions driven by events (no sleeps). */
import type { SourceSink } from '../../src/sources/source.js';

/** A `SourceSink` that keeps every record and resolves promises on end/fail/counts. */
export class CollectingSink implements SourceSink {
  records: unknown[] = [];
  ended = false;
  error: unknown = undefined;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  record(value: unknown): void {
    this.records.push(value);
    this.check();
  }
  end(): void {
    this.ended = true;
    this.check();
  }
  fail(err: unknown): void {
    this.error = err ?? new Error('failed');
    this.check();
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when `test()` holds (checked at every record, end and failure). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Resolves once at least `n` records have arrived. */
  count(n: number): Promise<void> {
    return this.until(() => this.records.length >= n);
  }

  /** Resolves at `end()`. */
  whenEnded(): Promise<void> {
    return this.until(() => this.ended);
  }

  /** Resolves at `fail()` with the error. */
  async whenFailed(): Promise<unknown> {
    await this.until(() => this.error !== undefined);
    return this.error;
  }
}

/** Collects events of type `E` and resolves waits on them. */
export class EventLog<E> {
  events: E[] = [];
  private waiters: { test: (e: E[]) => boolean; resolve: () => void }[] = [];
  readonly push = (e: E): void => {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(this.events)) return true;
      w.resolve();
      return false;
    });
  };
  /** Resolves when `test(events)` holds. */
  until(test: (events: E[]) => boolean): Promise<void> {
    if (test(this.events)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

/** Lines `from..to` inclusive, as strings. */
export function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(String(i));
  return out;
}
