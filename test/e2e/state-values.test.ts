/**
 * State values beyond plain JSON (breaker's findings): a Date survives a checkpoint and a Date
 * mutated in place (setTime) counts as changed under --output-mode update; a state that holds
 * itself is refused in one clear line, exit 1, not a stack overflow.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../../src/checkpoint/codec.js';
import { runBatches } from '../helpers/batches.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const dir = tempDirs('dstream-state-values-');
const CYCLE = 'a state that holds itself (a cycle), or is nested thousands deep, cannot be written as JSON (checkpoint, --output-mode update): keep plain data in state';

describe('state values', () => {
  it('a Date is encoded by its time and decoded as a Date (an invalid one too)', () => {
    const d = decodeState(JSON.parse(JSON.stringify(encodeState({ at: new Date(1431820800000), bad: new Date(NaN) })))) as { at: Date; bad: Date };
    expect(d.at).toBeInstanceOf(Date);
    expect(d.at.getTime()).toBe(1431820800000);
    expect(Number.isNaN(d.bad.getTime())).toBe(true);
  });

  it('a Date state survives a checkpoint restore', async () => {
    const ck = join(dir(), 'ck');
    const args = ['--once', '--checkpoint', ck, '--map', 'l => [l, 1]', '--update-state-by-key', '(vs, s) => s ? new Date(s.getTime() + 1000) : new Date(0)', '--format', 'json'];
    expect((await runCli(args, 'a\n')).code).toBe(0);
    const second = await runCli(args, 'a\n');
    expect(second.code).toBe(0);
    expect(second.stdout.replace(/"time":\d+/, '"time":T')).toBe('{"time":T,"key":"a","value":"1970-01-01T00:00:01.000Z"}\n');
  });

  it('--output-mode update: a Date mutated in place (setTime) by a key without values is printed', () => {
    const fn = (vs: number[], s: Date | undefined) => {
      if (vs.length) return new Date(5);
      s!.setTime(s!.getTime() + 1);
      return s;
    };
    const { outputs } = runBatches<[string, number]>([[['a', 1]], [], []], (st) => st.updateStateByKey(fn, { outputMode: 'update' }).map((r) => structuredClone(r)));
    expect(outputs.map((o) => o.records)).toEqual([[['a', new Date(5)]], [['a', new Date(6)]], [['a', new Date(7)]]]);
  });

  it('a state that holds itself: one clear line, exit 1', async () => {
    const fn = '(vs, s) => { const o = { n: 1 }; o.self = o; return o }';
    const ck = join(dir(), 'ck');
    const r = await runCli(['--once', '--checkpoint', ck, '--map', 'l => [l, 1]', '--update-state-by-key', fn, '--format', 'json'], 'a\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(CYCLE);
    expect(r.stderr).not.toContain('Maximum call stack');
  });
});
