/**
 * The live table in a real terminal (tmux), with a bad record and a --stats line in every batch:
 * the warnings and statistics are printed above the table, and the screen and its scrollback hold
 * exactly one table, sorted by value with ranks. The input producer waits for each batch to be
 * processed (a line in --progress-json), never for a guessed time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { fileAppears } from '../helpers/wait.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// Each tmux session runs on a server of its own (-L session): test files run in parallel, and a
// server starting while another one on the same socket shuts down makes new-session fail.
const BATCHES = 4;

describe.skipIf(!hasTmux)('live table with stderr lines (tmux)', () => {
  it('one table on screen, warnings and --stats lines above it, rows by value with ranks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-live-'));
    const session = `dstream-live-${process.pid}`;
    const done = join(dir, 'done');
    const progress = join(dir, 'progress.jsonl');
    const input = join(dir, 'input.jsonl');
    // Batch k holds k copies of #k plus #z three times, and one line that is not JSON.
    writeFileSync(input, '');
    const script = join(dir, 'run.sh');
    writeFileSync(script, `cd ${ROOT}
export LANG=C.UTF-8
produce() {
  for k in $(seq 1 ${BATCHES}); do
    for i in $(seq 1 $k); do echo "{\\"text\\":\\"#k$k\\"}"; done
    echo '{"text":"#z #z #z"}'
    echo 'not json'
    # wait until a batch with input has been processed (one more such line in --progress-json)
    while [ "$(cat ${progress} 2>/dev/null | grep -c '"numInputRows":[1-9]')" -lt "$k" ]; do sleep 0.05; done
  done
}
produce | node ${BIN} --batch 300ms --progress-json ${progress} --stats --map JSON.parse --flat-map 't => hashtags(t.text)' --count-by-value --window 1h
echo exit=$? > ${done}.part && mv ${done}.part ${done}
sleep 60
`);
    expect(spawnSync('tmux', ['-L', session, 'new-session', '-d', '-s', session, '-x', '100', '-y', '40', `bash ${script}`]).status).toBe(0);
    try {
      await fileAppears(done);
      expect(readFileSync(done, 'utf8').trim()).toBe('exit=0');
      const all = spawnSync('tmux', ['-L', session, 'capture-pane', '-p', '-J', '-S', '-', '-t', session]).stdout.toString().split('\n').filter((l) => l.trim() !== '');
      const headers = all.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('window ['));
      expect(headers, all.join('\n')).toHaveLength(1);
      const at = headers[0]![1];
      // Everything before the table is stderr: 5 warnings, the "further" line, a --stats line per batch.
      const above = all.slice(0, at);
      expect(above.every((l) => l.startsWith('dstream: ')), above.join('\n')).toBe(true);
      expect(above.filter((l) => l.includes('skipped record'))).toHaveLength(BATCHES);
      expect(above.filter((l) => l.includes('rec/s')).length).toBeGreaterThanOrEqual(BATCHES);
      expect(all[at]).toMatch(/^window \[.*\)  ·  5 rows$/);
      const rows = all.slice(at + 1, at + 6).map((l) => l.replace(/\s+/g, ' ').trim());
      expect(rows).toEqual([
        // The change marker depends on which batch drew the table last (the final one may add nothing).
        expect.stringMatching(/^1 #z 12( ↑)?$/), expect.stringMatching(/^2 #k4 4( \+)?$/), expect.stringMatching(/^3 #k3 3$/),
        expect.stringMatching(/^4 #k2 2$/), expect.stringMatching(/^5 #k1 1$/),
      ]);
      // After the table: only the exit summary.
      expect(all.slice(at + 6)).toEqual([`dstream: ${BATCHES} records skipped (${BATCHES} by --map 'JSON.parse')`]);
      expect(all.join('\n')).not.toContain('\ufffd');
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-session', '-t', session]);
    }
  });
});
