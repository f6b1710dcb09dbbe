/**
 * What a stop signal (SIGINT, SIGTERM) means, by the signals that came before it.
 *
 * - The first one stops gracefully: the running batch finishes (and is checkpointed), exit 0.
 * - After that, only SIGINT aborts (exit 130): a second Ctrl-C is a person who will not wait.
 * - A repeated SIGTERM does not abort: GNU `timeout` (without `--foreground`) sends one to
 *   dstream and one to its process group, and a service manager may repeat its SIGTERM before
 *   its own escalation, SIGKILL. It is noted and the graceful stop goes on.
 *
 * Pure: the caller installs the handlers, prints and exits.
 */

/** `stop`: begin the graceful stop; `abort`: exit 130 now; `repeat`: a SIGTERM while stopping, to note. */
export type StopAction = 'stop' | 'abort' | 'repeat';

/** Counts stop signals and says what each one asks for. */
export class StopSignals {
  private count = 0;

  /** Stop signals received so far. */
  get received(): number {
    return this.count;
  }

  /** Records `sig` and returns what it asks for (see module doc). */
  next(sig: NodeJS.Signals): StopAction {
    this.count++;
    if (this.count === 1) return 'stop';
    return sig === 'SIGINT' ? 'abort' : 'repeat';
  }

  /** How the first stop message ends for `sig`: what aborts from now on. */
  static abortHint(sig: NodeJS.Signals): string {
    return sig === 'SIGINT' ? '(again to abort)' : '(SIGINT to abort)';
  }

  /** The line for a repeated SIGTERM (`repeat`), after `dstream: `. */
  static repeatLine(sig: NodeJS.Signals): string {
    return `${sig} again: still stopping gracefully (SIGINT aborts, exit 130)`;
  }
}
