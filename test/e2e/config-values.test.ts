/**
 * Values in a `--config` file are judged as the user wrote them: a number is handed on as its text
 * (lossless), a value of the wrong kind is refused naming its kind; `--print-config` shows whole
 * numbers as numbers; `topk:N` takes N in the grammar of every count (`--top 05` and `topk:05` alike).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const dir = tempDirs('dstream-config-values-');

async function withConfig(text: string, args: string[] = ['--count', '--format', 'json']): Promise<{ code: number | null; stdout: string; stderr: string; file: string }> {
  const file = join(dir(), 'c.json');
  writeFileSync(file, text);
  return { ...(await runCli(['--config', file, ...args], 'a\n')), file };
}

describe('--config values', () => {
  const refused: [string, string][] = [
    ['{"print": [3]}', 'print: [3] is an array; print takes one value: a number or a string'],
    ['{"print": true}', 'print: true is a boolean; print takes one value: a number or a string'],
    ['{"print": null}', 'print: null; print takes one value: a number or a string'],
    ['{"print": {"n": 3}}', 'print: {"n":3} is an object; print takes one value: a number or a string'],
    ['{"print": 9007199254740993}', "print: '9007199254740993' is too large: at most 9007199254740991"],
    ['{"print": 1e3}', "print: '1e3' is not a non-negative integer"],
    ['{"print": 2.50}', "print: '2.50' is not a non-negative integer"],
    ['{"stats": "yes"}', 'stats: "yes" is a string; stats is a switch: true or false'],
    ['{"watch": [["d"]]}', 'watch: [["d"]] is an array; watch takes a number or a string, or an array of them'],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${text} in one line, exit 2`, async () => {
      const r = await withConfig(text);
      expect(r.stderr).toBe(`dstream: --config ${r.file}: ${message}\n`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    });
  }

  it('takes a number as a number and a switch as a boolean', async () => {
    const r = await withConfig('{"print": 5, "stats": false}');
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/"time":\d+/, '"time":T')).toBe('{"time":T,"value":1}\n');
  });

  it('DSTREAM_PRINT=true is a value for --print, refused by its grammar (not "--print needs a value")', async () => {
    const r = await runCli(['--count'], 'a\n', { DSTREAM_PRINT: 'true' });
    expect(r.stderr).toBe("dstream: DSTREAM_PRINT: 'true' is not a non-negative integer\n");
    expect(r.code).toBe(2);
  });
});

describe('--print-config', () => {
  it('shows whole numbers as numbers', async () => {
    const r = await withConfig('{"year": 2020}', ['--print', '5', '--metrics-port', '9100', '--max-keys', '07', '--print-config']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('print = 5  (flag)');
    expect(lines).toContain('year = 2020  (config)');
    expect(lines).toContain('metrics-port = 9100  (flag)');
    expect(lines).toContain('max-keys = 7  (flag)');
    expect(lines).toContain('max-line-bytes = 16777216  (default)');
    expect(lines).toContain('batch = "1s"  (default)');
  });
});

describe('topk:N and --top N: one grammar', () => {
  const input = 'k a\nk b\nk a\nj c\n';
  const pairs = ['--once', '--map', 'l => l.split(" ")', '--format', 'json'];
  it('topk:05 is topk:5, as --top 05 is --top 5', async () => {
    const a = await runCli([...pairs, '--reduce-by-key', 'topk:05'], input);
    const b = await runCli([...pairs, '--reduce-by-key', 'topk:5'], input);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toBe('{"time":1000,"key":"k","value":[["a",2],["b",1]]}\n{"time":1000,"key":"j","value":[["c",1]]}\n');
    const t = await runCli([...pairs, '--count-by-value', '--top', '01'], 'x\ny\nx\n');
    expect(t.code).toBe(0);
  });

  it('topk:00 is refused as --top 0 is', async () => {
    const r = await runCli([...pairs, '--reduce-by-key', 'topk:00'], input);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'topk:00': N must be a positive number");
  });
});
