/**
 * The `state` argument of a map-with-state function (Spark's `State[S]`,
 * `StateImpl`). One handle is reused for every call; it is valid only during
 * the call. Where Spark throws `NoSuchElementException` (`get()` without
 * state), `get()` returns `undefined`; where it throws
 * `IllegalArgumentException` (`update()` after `remove()`, `update()` of a
 * key timing out), `update()` throws a `DStreamError`, which makes the call an
 * error for that record (reported, its output and state change dropped).
 */
import { DStreamError } from '../core/errors.js';

/** A key's state during one call of the function. */
export class StateHandle {
  private has = false;
  private value: unknown = undefined;
  private timingOut = false;
  /** @internal */ updated = false;
  /** @internal */ removed = false;
  /** @internal */ newState: unknown = undefined;

  /** @internal Points the handle at a key's state before a call. */
  bind(exists: boolean, state: unknown, timingOut: boolean): void {
    this.has = exists;
    this.value = state;
    this.timingOut = timingOut;
    this.updated = false;
    this.removed = false;
    this.newState = undefined;
  }

  /** True when the key has state. */
  exists(): boolean {
    return this.has;
  }
  /** The state, or `undefined` when there is none. */
  get(): unknown {
    return this.value;
  }
  /**
   * Sets the state (`undefined` is not a state: use `remove()`).
   * @throws DStreamError when the key is timing out, or its state was removed in this call (as Spark's State.update).
   */
  update(state: unknown): void {
    if (this.timingOut) throw new DStreamError('E_STATE_TIMING_OUT', 'processing', 'cannot update the state of a key that is timing out');
    if (this.removed) throw new DStreamError('E_STATE_REMOVED', 'processing', 'cannot update the state after remove() in the same call');
    if (state === undefined) {
      this.remove();
      return;
    }
    this.has = true;
    this.value = state;
    this.newState = state;
    this.updated = true;
    this.removed = false;
  }
  /** Removes the key's state. */
  remove(): void {
    this.has = false;
    this.value = undefined;
    this.removed = true;
    this.updated = false;
  }
  /** True during the last call for a key that timed out (`value` is `undefined` then). */
  isTimingOut(): boolean {
    return this.timingOut;
  }
}
