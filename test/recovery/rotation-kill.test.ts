/**
 * Live log rotation with kill -9 (issue 15, item 1): a watched directory
 * whose `app.log` is rotated by rename (`app.log` → `app.log.<n>`, then a new
 * `app.log`) while a checkpointed job reads it, killed with SIGKILL at random
 * commits and restarted; a last `--once` run finishes. Every sequence number
 * must be in `--output` exactly once: a replay reads the renamed original,
 * never the new file under the old name, and a renamed file is not read again.
 *
 * Kills: DSTREAM_ROTATION_KILLS (default 8); seed DSTREAM_ROTATION_SEED (default 3).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { rng } from '../helpers/rng.js';

const KILLS = Number(process.env.DSTREAM_ROTATION_KILLS ?? 8);
const LINES = 200;

const args = (input: string, ck: string, out: string, once: boolean) => ['--watch', input, ...(once ? ['--once'] : []), '--settle', '0',
  '--batch', '50ms', '--format', 'tsv', '--map', 'l => l.split(" ")[1]', '--checkpoint', ck, '--output', out];

describe('kill -9 during live rotation by rename', () => {
  it(`${KILLS} kills: every sequence number output exactly once`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'dstream-rotate-'));
    const input = join(base, 'in');
    mkdirSync(input);
    const ck = join(base, 'ck');
    const out = join(base, 'out.tsv');
    mkdirSync(join(ck, 'commits'), { recursive: true, mode: 0o700 });
    const random = rng(Number(process.env.DSTREAM_ROTATION_SEED ?? 3));
    let generation = 0;
    /** Rotates: the current app.log is renamed away, a new one holds the next LINES sequence numbers. */
    const rotate = () => {
      if (existsSync(join(input, 'app.log'))) renameSync(join(input, 'app.log'), join(input, `app.log.${generation}`));
      generation++;
      const text = Array.from({ length: LINES }, (_, i) => `seq ${(generation - 1) * LINES + i + 1}`).join('\n') + '\n';
      writeFileSync(join(input, 'app.log.tmp'), text);
      renameSync(join(input, 'app.log.tmp'), join(input, 'app.log'));
    };
    rotate();
    for (let k = 0; k < KILLS; k++) {
      const child = spawn(process.execPath, [BIN, ...args(input, ck, out, false)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
      // Rotate at every commit; kill at a random one (1–4 commits into this run).
      const killAt = 1 + Math.floor(random() * 4);
      let commits = 0;
      const w = watch(join(ck, 'commits'), (_e, name) => {
        if (!name || !/^\d+\.json$/.test(name) || !existsSync(join(ck, 'commits', name))) return;
        commits++;
        if (commits === killAt) child.kill('SIGKILL');
        else rotate();
      });
      const code = await closed;
      w.close();
      expect(stderr, `run ${k}`).not.toMatch(/error|cannot replay/i);
      expect(code === null || code === 0, `run ${k}: exit ${code}\n${stderr}`).toBe(true);
      if (random() < 0.5) rotate(); // rotated while dstream was down
    }
    const last = await runCli(args(input, ck, out, true));
    expect(last.stderr).not.toMatch(/error|cannot replay/i);
    expect(last.code).toBe(0);
    const got = readFileSync(out, 'utf8').split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
    const want = Array.from({ length: generation * LINES }, (_, i) => i + 1);
    const counts = new Map<number, number>();
    for (const n of got) counts.set(n, (counts.get(n) ?? 0) + 1);
    const missing = want.filter((n) => !counts.has(n)).length;
    const doubled = [...counts.values()].filter((c) => c > 1).length;
    expect({ missing, doubled, files: readdirSync(input).length }).toEqual({ missing: 0, doubled: 0, files: generation });
    expect(got).toEqual(want);
  }, 600_000);
});
