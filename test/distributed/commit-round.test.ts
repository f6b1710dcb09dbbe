/**
 * One round's commit on both logs (distributed/commit-round.ts): the units'
 * steps go to the log together and each unit adopts its own only once the
 * log says it is in; a refused step goes to the backend's rule; an unknown
 * outcome adopts nothing. Kafka's side (kafka/commit.ts `StageCommits`): one
 * transaction per call with every step's messages and offsets at the steps'
 * generation; a fenced transaction makes every step 'fenced'.
 */
import { describe, expect, it } from 'vitest';
import type { CommitResult } from '../../src/distributed/backend.js';
import { commitRound } from '../../src/distributed/commit-round.js';
import type { PreparedStep } from '../../src/distributed/job-context.js';
import type { StepLog, UnitCommit } from '../../src/distributed/log-backend.js';
import { StageCommits, type KafkaWrite } from '../../src/distributed/kafka/commit.js';
import type { Member } from '../../src/distributed/kafka/member.js';

/** A log answering `results` to the next commit, or throwing `error`; it keeps what it was given. */
function fakeLog(results: CommitResult[] | Error): StepLog<string> & { given: UnitCommit<string>[][] } {
  const given: UnitCommit<string>[][] = [];
  return {
    given,
    commit: async (_worker, steps) => {
      given.push(steps);
      if (results instanceof Error) throw results;
      return results;
    },
  };
}

function steps(adopted: string[], ...units: string[]): PreparedStep<string>[] {
  return units.map((unit, i) => ({ commit: { unit, epoch: 3, write: `w${i}` }, adopt: () => void adopted.push(unit) }));
}

describe('commitRound', () => {
  it('commits every step in one call; each adopts its own only when in, a refused one goes to the backend rule', async () => {
    const adopted: string[] = [];
    const refused: string[] = [];
    const log = fakeLog(['ok', 'fenced', 'ok', 'stale']);
    const n = await commitRound(log, 'w1', steps(adopted, 's1:0', 's1:1', 's2:0', 's2:1'), (s, r) => void refused.push(`${s.commit.unit} ${r}`));
    expect(n).toBe(2);
    expect(log.given).toEqual([[0, 1, 2, 3].map((i) => ({ unit: ['s1:0', 's1:1', 's2:0', 's2:1'][i], epoch: 3, write: `w${i}` }))]);
    expect(adopted.sort()).toEqual(['s1:0', 's2:0']);
    expect(refused.sort()).toEqual(['s1:1 fenced', 's2:1 stale']);
  });

  it('no steps: the log is not called; an unknown outcome (the log throws) adopts nothing', async () => {
    const log = fakeLog(['ok']);
    expect(await commitRound(log, 'w1', [], () => undefined)).toBe(0);
    expect(log.given).toEqual([]);
    const adopted: string[] = [];
    await expect(commitRound(fakeLog(new Error('broker gone')), 'w1', steps(adopted, 's1:0'), () => undefined)).rejects.toThrow('broker gone');
    expect(adopted).toEqual([]);
  });

  it('a rule that throws ends the round with its error (Kafka: the whole stage is refused)', async () => {
    const adopted: string[] = [];
    await expect(commitRound(fakeLog(['fenced', 'fenced']), 'w1', steps(adopted, 's1:0', 's1:1'), () => {
      throw new Error('ILLEGAL_GENERATION');
    })).rejects.toThrow('ILLEGAL_GENERATION');
    expect(adopted).toEqual([]);
  });
});

describe('Kafka StageCommits', () => {
  const write = (partition: number, next: number, value: string): KafkaWrite => ({ partition, next, messages: [{ topic: 'rep', partition: 0, key: null, value }] });
  /** A member whose commit records its call, then fails with `error` if given. */
  function member(error?: unknown) {
    const calls: { values: string[]; offsets: [number, number][]; generation: number; hooked: boolean }[] = [];
    const m = {
      commit: async (messages: { value: string }[], offsets: [number, number][], generation: number, before?: () => void | Promise<void>) => {
        await before?.();
        calls.push({ values: messages.map((x) => x.value), offsets, generation, hooked: before !== undefined });
        if (error) throw error;
      },
    };
    return { m: m as unknown as Member, calls };
  }

  it('one transaction per call: every step\'s messages, their offsets, at the steps\' generation; numbered for fault injection', async () => {
    const { m, calls } = member();
    const numbers: number[] = [];
    const c = new StageCommits(m, (n) => void numbers.push(n));
    const r = await c.commit('w1', [{ unit: 's1:2', epoch: 7, write: write(2, 10, 'a') }, { unit: 's1:5', epoch: 7, write: write(5, 4, 'b') }]);
    expect(r).toEqual(['ok', 'ok']);
    expect(await c.commit('w1', [])).toEqual([]);
    await c.commit('w1', [{ unit: 's1:2', epoch: 8, write: write(2, 11, 'c') }]);
    expect(calls).toEqual([
      { values: ['a', 'b'], offsets: [[2, 10], [5, 4]], generation: 7, hooked: true },
      { values: ['c'], offsets: [[2, 11]], generation: 8, hooked: true },
    ]);
    expect(numbers).toEqual([1, 2]);
  });

  it('a fenced transaction: every step fenced, the broker error kept; any other error is thrown (outcome unknown)', async () => {
    const fenced = Object.assign(new Error('refused'), { apiId: 'ILLEGAL_GENERATION' });
    const c = new StageCommits(member(fenced).m);
    expect(await c.commit('w1', [{ unit: 's2:0', epoch: 1, write: write(0, 1, 'x') }, { unit: 's2:1', epoch: 1, write: write(1, 1, 'y') }])).toEqual(['fenced', 'fenced']);
    expect(c.fencedBy).toBe(fenced);
    await expect(new StageCommits(member(new Error('timeout')).m).commit('w1', [{ unit: 's2:0', epoch: 1, write: write(0, 1, 'x') }])).rejects.toThrow('timeout');
  });
});
