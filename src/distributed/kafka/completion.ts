/**
 * When a worker of a `--once` Kafka job may exit: every key partition has
 * output its last window (its changelog record says `done`); a stateless job,
 * every input partition has written its end (its `s1:P` record says `eof`).
 * Done is final: a done key partition never commits again, so what was found
 * done is not read again.
 */
import type { KafkaJobMeta, KafkaLog } from './log.js';
import type { KeySide } from './held.js';
import { allEnded } from './stateless-unit.js';
import type { Stage2Record } from './units.js';

/** The exit rule of one worker, reading the changelog on from where the last check stopped. */
export class Completion {
  /** Changelog partitions read so far (read on from where the last check stopped), and the key partitions found done. */
  private readonly changelog = new Map<number, { next: number; table: Map<string, string> }>();
  private readonly doneKeys = new Set<number>();

  constructor(private readonly log: KafkaLog, private readonly meta: KafkaJobMeta, private readonly changelogTopic: string) {}

  /** True when every key partition is known done without reading the changelog (found done before, or held here and done). */
  heldDone(keys: Map<number, KeySide>): boolean {
    for (let q = 0; q < this.meta.keyPartitions; q++) if (!this.doneKeys.has(q) && !keys.get(q)?.done) return false;
    return true;
  }

  /** True when every key partition has output its last window (stateless: every input partition has ended). */
  async complete(keys: Map<number, KeySide>): Promise<boolean> {
    if (this.meta.keyPartitions === 0) return allEnded(await this.table(0), this.meta.inputPartitions);
    for (let q = 0; q < this.meta.keyPartitions; q++) {
      if (keys.get(q)?.done) this.doneKeys.add(q); // held here: its done state is committed (a failed commit drops the units)
      if (this.doneKeys.has(q)) continue;
      const rec = (await this.table(q)).get(`s2:${q}`);
      if (!rec || !(JSON.parse(rec) as Stage2Record).done) return false;
      this.doneKeys.add(q);
    }
    return true;
  }

  /** Changelog partition `q` as a table, read on from where the last call stopped. */
  private async table(q: number): Promise<Map<string, string>> {
    let cache = this.changelog.get(q);
    if (!cache) this.changelog.set(q, (cache = { next: (await this.log.startOffsets(this.changelogTopic))[q] ?? 0, table: new Map() }));
    return this.log.table(this.changelogTopic, q, cache);
  }
}
