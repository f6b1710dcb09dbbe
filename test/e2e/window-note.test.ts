/**
 * A processing-time window over a file read whole: one batch at a logical
 * time (1970), whatever times the records hold. dstream says so once, on
 * stderr, and not when --event-time is given or the input is live.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runCliOnFile } from '../helpers/run-cli.js';

const APACHE = join(ROOT, 'data/elastic-examples/apache_logs');
const NOTE = 'dstream: note: --window 1h without --event-time: windows are over processing time, and a file read whole is one batch '
  + "(bounded input has logical batch times, from 1970-01-01), so the records' own times are not used; give --event-time for them";
const notes = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dstream: note:'));

describe('--window without --event-time', () => {
  it('over a file read whole: one note, and the output as before', async () => {
    const r = await runCliOnFile(['--map', 'l => field(l,9)', '--count-by-value', '--window', '1h', '--slide', '15m', '--format', 'tsv'], APACHE);
    expect(r.code).toBe(0);
    expect(notes(r.stderr)).toEqual([NOTE]);
    expect(r.stdout.split('\n')[0]).toBe('1970-01-01T00:00:00.000Z\t200\t9126');
  });

  it('no note with --event-time, nor on live input', async () => {
    const timed = await runCliOnFile(['--parse', 'combined', '--event-time', 'auto', '--map', 'r => r.status', '--count-by-value', '--window', '1h', '--format', 'tsv'], APACHE);
    expect(timed.code).toBe(0);
    expect(notes(timed.stderr)).toEqual([]);
    const live = await runCli(['--map', 'l => field(l,9)', '--count-by-value', '--window', '1h', '--format', 'tsv'], '1 2 3 4 5 6 7 8 200\n');
    expect(live.code).toBe(0);
    expect(notes(live.stderr)).toEqual([]);
  });
});
