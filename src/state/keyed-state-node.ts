/**
 * What updateStateByKey and mapWithState share: a `KeyedStateStore` with LRU
 * eviction (reported as issues), the key codec for object keys, and their
 * snapshot for checkpoints.
 */
import type { IssueLog } from '../engine/issues.js';
import { Emitter, type Checkpointable } from '../engine/node.js';
import { KeyCodec } from '../operators/keyed-map.js';
import { KeyedStateStore } from './state-store.js';

/** Base of the keyed-state nodes (see module doc). */
export abstract class KeyedStateNode extends Emitter implements Checkpointable {
  readonly store: KeyedStateStore;
  protected readonly keys = new KeyCodec();

  /**
   * @param label operator label for eviction reports.
   * @param maxKeys most keys kept (`--max-keys`), unbounded when undefined.
   */
  constructor(label: string, issues: IssueLog, maxKeys: number | undefined) {
    super();
    this.store = new KeyedStateStore(maxKeys, (k) => issues.evictedKey(label, this.keys.decode(k), maxKeys!));
  }

  stateSize(): number {
    return this.store.size;
  }
  snapshot(): unknown {
    return { store: this.store.snapshot(), codec: this.keys.snapshot() };
  }
  restore(data: unknown): void {
    const d = data as { store: [unknown, unknown, number][]; codec: [string, unknown][] };
    this.keys.restore(d.codec);
    this.store.restore(d.store);
  }
  beginGroup(): void {}
  endGroup(): void {}
}
