/**
 * `--initial-state` reads the `--format json` output of a state table
 * (`{"time", "key", "value"}`, the time ignored): a run over the second half
 * of a log, started from the first half's output, gives what one run over
 * the whole log gives.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCliOnFile } from '../helpers/run-cli.js';

const LINES = readFileSync(join(ROOT, 'data/elastic-examples/apache_logs'), 'utf8').split(/(?<=\n)/);
const JOB = ['--map', 'l => [field(l,9), 1]', '--update-state-by-key', '(vs, s) => (s ?? 0) + vs.length', '--format', 'json'];
const sorted = (text: string) => text.trimEnd().split('\n').sort();

describe('--initial-state from --format json output', () => {
  it('two runs over two halves, the second from the first\'s json output, equal one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-initial-json-'));
    const [whole, first, second, s1] = ['whole', 'first', 'second', 's1.json'].map((f) => join(dir, f));
    writeFileSync(whole!, LINES.join(''));
    writeFileSync(first!, LINES.slice(0, 5000).join(''));
    writeFileSync(second!, LINES.slice(5000).join(''));
    const one = await runCliOnFile(JOB, whole!);
    const r1 = await runCliOnFile(JOB, first!);
    expect(r1.stdout.split('\n')[0]).toBe('{"time":1000,"key":"200","value":4450}');
    writeFileSync(s1!, r1.stdout);
    const r2 = await runCliOnFile([...JOB, '--initial-state', s1!], second!);
    expect([one.code, r1.code, r2.code]).toEqual([0, 0, 0]);
    expect(r2.stderr).toBe('');
    expect(sorted(r2.stdout)).toEqual(sorted(one.stdout));
    expect(sorted(one.stdout)).toContain('{"time":1000,"key":"200","value":9126}');
  });

  it('a JSON line of another shape: exit 2, naming both shapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-initial-json-'));
    const [state, input] = ['state.json', 'in'].map((f) => join(dir, f));
    writeFileSync(state!, '{"k":"200","v":1}\n');
    writeFileSync(input!, LINES[0]!);
    const r = await runCliOnFile([...JOB, '--initial-state', state!], input!);
    expect(r).toMatchObject({
      code: 2, stdout: '',
      stderr: `dstream: --initial-state ${state}:1: expected {"key": …, "state": …}, or a line of --format json output {"time": …, "key": …, "value": …}\n`,
    });
  });

  it('--map-with-state: its json output holds what its function returned, not the state: refused (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-initial-json-'));
    const [state, input] = ['out.json', 'in'].map((f) => join(dir, f));
    writeFileSync(state!, '{"time":1000,"key":"200","value":10}\n');
    writeFileSync(input!, LINES[0]!);
    const job = ['--map', 'l => [field(l,9), 1]', '--map-with-state', '(k, v, st) => { st.update((st.get() ?? 0) + v); return [k, st.get() * 10] }'];
    const r = await runCliOnFile([...job, '--initial-state', state!, '--format', 'json'], input!);
    expect(r).toMatchObject({
      code: 2, stdout: '',
      stderr: `dstream: --initial-state ${state}:1: {"key": …, "value": …} is --format json output, which for --map-with-state holds what its function returned, not the state; give {"key": …, "state": …} lines\n`,
    });
  });
});
