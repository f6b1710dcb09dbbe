/**
 * What the sources that push on their own (`--watch`, `--listen`, `--connect`) share: the sink
 * they push into once started, a stopped flag, and two helpers — `log` (a stderr line that
 * starts with the source's name) and `fail` (stop, then fail the job, once).
 */
import type { SourceSink } from './source.js';

/** Base of a pushing source (see module doc). */
export abstract class PushSource {
  /** Name for messages, e.g. `--watch /in`. */
  abstract readonly name: string;
  /** Where records go; set by `start()`. */
  protected sink: SourceSink | null = null;
  protected stopped = false;

  /** @param logTo the source's `log` option: its informational lines, to stderr. */
  protected constructor(private readonly logTo: ((message: string) => void) | undefined) {}

  /** Stops receiving; idempotent. */
  abstract stop(): void;

  /** One line to `logTo`, prefixed with the source's name. */
  protected log(message: string): void {
    this.logTo?.(`${this.name}: ${message}`);
  }

  /** Stops the source and fails the job with `e`; nothing after a stop. */
  protected fail(e: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.sink?.fail(e);
  }
}
