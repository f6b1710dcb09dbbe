/**
 * End-to-end: answers that must be exact or refused out loud (issue 14) —
 * 64-bit integers, numeric strings, epoch units, CSV records with quoted line
 * breaks, a cut access-log line. Each runs the built binary and compares
 * exact output with an independent count (awk, Python's csv module, Miller).
 */
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;

describe('--parse combined repairs a user agent cut at the end of the line', () => {
  it('a count per status equals awk\'s (9,126 × 200), the repaired line reported and summarised', async () => {
    const r = await runCli(['--parse', 'combined', '--map', 'r => r.status', '--count-by-value', '--batch', '1d', '--format', 'tsv'], { file: APACHE });
    expect(r.code).toBe(0);
    // awk '{print $9}' apache_logs | sort | uniq -c
    expect(r.stdout.trimEnd().split('\n').sort()).toEqual(['200\t9126', '206\t45', '301\t164', '304\t445', '403\t2', '404\t213', '416\t2', '500\t3']);
    const err = r.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^dstream: --parse combined: repaired record: missing closing quote of the user agent: taken to the end of the line; input "46\.118\.127\.106 - - \[20\/May\/2015:12:05:17 \+0000\]/);
    expect(err[1]).toBe('dstream: 1 line repaired by --parse (kept)');
  });

  it('the repaired user agent runs to the end of the line', async () => {
    const r = await runCli(['--parse', 'combined', '--filter', 'r => r.remote_addr === "46.118.127.106" && r.path.endsWith("configlib.py")', '--map', 'r => r.user_agent', '--format', 'tsv'], { file: APACHE });
    expect(r.stdout).toBe("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html\n");
  });
});
