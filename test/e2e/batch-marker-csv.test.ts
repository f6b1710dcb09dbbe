/**
 * `--batch-marker` with `--parse csv`: a line equal to the marker inside a quoted field that spans
 * lines is the field's text; only a marker line between records ends the batch.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const args = ['--once', '--parse', 'csv', '--format', 'json', '--batch-marker', 'END', '--batch', '1h'];

function rowsAndTimes(stdout: string): { rows: string; times: number[] } {
  return { rows: stdout.replace(/"time":\d+/g, '"time":T'), times: [...stdout.matchAll(/"time":(\d+)/g)].map((m) => Number(m[1])) };
}

describe('--batch-marker inside a quoted csv field', () => {
  for (const eol of ['\n', '\r\n']) {
    it(`is the field's text; a marker between records still ends the batch (${JSON.stringify(eol)})`, async () => {
      const input = ['id,text', '1,"hello', 'END', 'world"', 'END', '2,plain', ''].join(eol);
      const r = await runCli(args, input);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const { rows, times } = rowsAndTimes(r.stdout);
      const inner = JSON.stringify(`hello${eol}END${eol}world`);
      expect(rows).toBe(`{"time":T,"value":{"id":"1","text":${inner}}}\n{"time":T,"value":{"id":"2","text":"plain"}}\n`);
      expect(times[1]).toBeGreaterThan(times[0]!);
    });
  }

  it('a marker line and escaped quotes inside one field are its text', async () => {
    const r = await runCli(args, 'a,b\n1,"x\nEND\n""END""\nEND"\n2,y\n');
    expect(r.code).toBe(0);
    const { rows } = rowsAndTimes(r.stdout);
    expect(rows).toBe('{"time":T,"value":{"a":"1","b":"x\\nEND\\n\\"END\\"\\nEND"}}\n{"time":T,"value":{"a":"2","b":"y"}}\n');
  });
});
