/**
 * Damaged checkpoints (issue 15, item 4): a checkpoint left by kill -9 is
 * damaged on purpose — truncations, bit flips, deleted or emptied files,
 * files replaced by directories or symbolic links, other entries copied over,
 * bodies changed with a valid checksum — and the job is restarted. Each
 * restart must either finish with exactly the output of a run without crash
 * or damage (recovered, possibly from an older generation), or stop with a
 * clear message (exit 1, or 2 for unusable metadata) having written nothing
 * wrong. Never exit 0 with other output.
 *
 * Trials: 30 (DSTREAM_LONG=1: 500); seed DSTREAM_DAMAGE_SEED (default 15).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/checkpoint/checkpoint-store.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { rng } from '../helpers/rng.js';

const TRIALS = process.env.DSTREAM_LONG === '1' ? 500 : 30;
const LOG = readFileSync(`${ROOT}/data/elastic-examples/apache_logs`, 'utf8').trimEnd().split('\n');

const JOB = (input: string, ck: string, out: string) => [
  '--watch', input, '--once', '--settle', '0', '--max-files-per-batch', '1', '--batch', '50ms', '--checkpoint-interval', '150ms',
  '--event-time', 'l => l.split("[")[1].split("]")[0]',
  '--map', 'l => { const f = l.split(" "); return [f[8], +f[9] || 0] }',
  '--reduce-by-key', 'sum', '--window', '1h', '--slide', '30m', '--watermark', '10m', '--format', 'tsv',
  '--checkpoint', ck, '--output', out,
];

function fillDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const base = Date.UTC(2026, 0, 1) / 1000;
  for (let i = 0; i < 12; i++) {
    const p = join(dir, `access-${String(i).padStart(2, '0')}.log`);
    writeFileSync(p, LOG.slice(i * 300, (i + 1) * 300).join('\n') + '\n');
    utimesSync(p, base + i, base + i);
  }
}

/** Runs the job until `commits/<k>.json` exists (an fs.watch event), then kills it with SIGKILL. */
function runUntilCommit(args: string[], ck: string, k: number): Promise<void> {
  return new Promise((resolve) => {
    mkdirSync(join(ck, 'commits'), { recursive: true, mode: 0o700 });
    const target = join(ck, 'commits', `${k}.json`);
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    const w = watch(join(ck, 'commits'), () => {
      if (existsSync(target)) child.kill('SIGKILL');
    });
    child.on('close', () => {
      w.close();
      resolve();
    });
  });
}

/**
 * Runs the job like runCli, but a run that has not ended after 120 s (a hang
 * on damaged state: a failure, whatever the load) is killed and reported.
 */
function runWatched(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const watchdog = setTimeout(() => {
      stderr += '\n(hung: killed after 120 s)';
      child.kill('SIGKILL');
    }, 120_000);
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, stderr });
    });
  });
}

function envelope(body: unknown): string {
  const text = JSON.stringify(body);
  return `{"v":1,"sha256":"${createHash('sha256').update(text).digest('hex')}","body":${text}}\n`;
}

/** Every JSON value inside `v` down to `depth` levels, as [parent, key] pairs. */
function slots(v: unknown, depth: number, out: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (v !== null && typeof v === 'object' && depth > 0) {
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, unknown>, k]);
      slots((v as Record<string, unknown>)[k], depth - 1, out);
    }
  }
  return out;
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Applies one damage to a checkpoint file; returns its description. */
function damage(ck: string, random: () => number): string {
  const files = ['metadata.json', ...['offsets', 'commits', 'state'].flatMap((d) => readdirSync(join(ck, d)).map((f) => `${d}/${f}`))]
    .filter((f) => lstatSync(join(ck, f), { throwIfNoEntry: false })?.isFile());
  // metadata.json only now and then: damage to the logs and snapshots is what recovery must judge.
  const pick = files[1 + Math.floor(random() * (files.length - 1))] ?? files[0]!;
  const path = join(ck, pick);
  const data = readFileSync(path);
  const kind = Math.floor(random() * 8);
  switch (kind) {
    case 0: {
      const at = Math.floor(random() * data.length);
      truncateSync(path, at);
      return `truncate ${pick} to ${at}`;
    }
    case 1: {
      const at = Math.floor(random() * data.length);
      data[at]! ^= 1 << Math.floor(random() * 8);
      writeFileSync(path, data);
      return `flip a bit of ${pick} at ${at}`;
    }
    case 2:
      rmSync(path);
      return `delete ${pick}`;
    case 3:
      writeFileSync(path, '');
      return `empty ${pick}`;
    case 4:
      rmSync(path);
      mkdirSync(path);
      return `${pick} becomes a directory`;
    case 5: {
      const others = files.filter((f) => f !== pick && f.split('/')[0] === pick.split('/')[0]);
      if (others.length === 0) return 'none';
      const other = others[Math.floor(random() * others.length)]!;
      writeFileSync(path, readFileSync(join(ck, other)));
      return `copy ${other} over ${pick}`;
    }
    case 6: {
      rmSync(path);
      writeFileSync(path + '.elsewhere', data);
      symlinkSync(path + '.elsewhere', path);
      return `${pick} becomes a symbolic link`;
    }
    default: {
      // Structural damage: a field removed or given a value of another type. (A value of the
      // right type changed deep in operator state, under a valid checksum, is not detectable.)
      let body: unknown;
      try {
        body = (JSON.parse(data.toString()) as { body: unknown }).body;
      } catch {
        truncateSync(path, data.length >> 1); // damaged already: damage it more
        return `truncate ${pick} to ${data.length >> 1}`;
      }
      const all = slots(body, pick.startsWith('state/') ? 3 : 8);
      if (all.length === 0) return 'none';
      const [parent, key] = all[Math.floor(random() * all.length)]!;
      const values = [null, 'x', {}, [], 7].filter((v) => typeOf(v) !== typeOf(parent[key]));
      const how = Math.floor(random() * (values.length + 1));
      if (how === values.length) delete parent[key];
      else parent[key] = values[how];
      writeFileSync(path, envelope(body));
      return `${pick}: ${key} ${how === values.length ? 'removed' : `= ${JSON.stringify(values[how])}`} (valid checksum)`;
    }
  }
}

describe('damaged checkpoints never resume wrong', () => {
  it(`${TRIALS} seeded damaged checkpoints: the exact output, or a clear stop`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'dstream-damage-'));
    const input = join(base, 'in');
    fillDir(input);
    const ref = await runCli(JOB(input, join(base, 'ref-ck'), join(base, 'ref.tsv')));
    expect(ref.code).toBe(0);
    const expected = readFileSync(join(base, 'ref.tsv'), 'utf8');
    // Each crash is kept aside and copied back to `work` for a trial: the offset log names the output by its path.
    const dir = join(base, 'work');
    const ck = join(dir, 'ck');
    const out = join(dir, 'out.tsv');
    const bases: string[] = [];
    for (const k of [3, 5, 8]) {
      await runUntilCommit(JOB(input, ck, out), ck, k);
      rmSync(join(ck, 'lock'), { force: true });
      bases.push(join(base, `base${k}`));
      renameSync(dir, bases.at(-1)!);
    }
    const random = rng(Number(process.env.DSTREAM_DAMAGE_SEED ?? 15));
    const tally = { recovered: 0, refused: 0 };
    const wrong: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      rmSync(dir, { recursive: true, force: true });
      cpSync(bases[trial % bases.length]!, dir, { recursive: true });
      const listing = ['offsets', 'commits', 'state'].map((d) => `${d}: ${readdirSync(join(ck, d)).join(' ')}`).join('; ');
      const done = Array.from({ length: 1 + Math.floor(random() * 3) }, () => damage(ck, random));
      const before = readFileSync(out, 'utf8');
      const r = await runWatched(JOB(input, ck, out));
      const got = readFileSync(out, 'utf8');
      const what = `trial ${trial} (${listing}; damage: ${done.join('; ')}): exit ${r.code}\n${r.stderr.split('\n').slice(0, 4).join('\n')}`;
      const crashed = /internal error|TypeError|RangeError|is not iterable/.test(r.stderr);
      if (r.code === 0 && got === expected && !crashed) tally.recovered++;
      else if ((r.code === 1 || r.code === 2) && /^dstream: /.test(r.stderr) && !crashed && (expected.startsWith(got) || got === before)) tally.refused++;
      else wrong.push(what);
    }
    console.log(`damaged checkpoints: ${tally.recovered} recovered exactly, ${tally.refused} refused, ${wrong.length} wrong (of ${TRIALS})`);
    expect(wrong).toEqual([]);
  }, 3_600_000);
});

describe('damage the issue names', () => {
  it('an unreadable offset-log entry after the newest snapshot stops the restart (exit 1) instead of reading the input again', () => {
    const ck = join(mkdtempSync(join(tmpdir(), 'dstream-damage-')), 'ck');
    const store = CheckpointStore.open(ck, { description: { p: 1 }, fingerprint: 'test' });
    for (let id = 0; id < 4; id++) {
      store.writeOffsets({ id, timeMs: 1000 * (id + 1), sources: {}, outputs: {} });
      if (id === 1) store.writeSnapshot(id, { n: id });
      store.writeCommit({ id, timeMs: 1000 * (id + 1), sinks: {}, snapshot: id === 1 ? id : null });
    }
    truncateSync(join(ck, 'offsets', '2.json'), 10);
    expect(() => store.recover()).toThrow(/is damaged and cannot be resumed exactly \(offsets\/2\.json: not a checkpoint file .*\)/);
    rmSync(join(ck, 'offsets', '2.json'));
    expect(() => store.recover()).toThrow(/offsets\/2\.json: missing/);
    store.close();
  });

  it('a damaged newest snapshot: recovery from the older one and the logs after it, saying so', () => {
    const ck = join(mkdtempSync(join(tmpdir(), 'dstream-damage-')), 'ck');
    const store = CheckpointStore.open(ck, { description: { p: 1 }, fingerprint: 'test' });
    for (let id = 0; id < 4; id++) {
      store.writeOffsets({ id, timeMs: 1000 * (id + 1), sources: {}, outputs: {} });
      if (id % 2 === 1) store.writeSnapshot(id, { n: id });
      store.writeCommit({ id, timeMs: 1000 * (id + 1), sinks: {}, snapshot: id % 2 === 1 ? id : null });
    }
    writeFileSync(join(ck, 'state', '3.json'), envelope({ n: 'bad' }));
    const rec = store.recover((_id, state) => (typeof (state as { n: unknown }).n === 'number' ? null : 'not a state snapshot'));
    expect(rec.snapshot).toEqual({ id: 1, state: { n: 1 } });
    expect(rec.batches.map((b) => [b.offsets.id, b.commit?.id])).toEqual([[2, 2], [3, 3]]);
    expect(rec.warnings).toEqual(['state/3.json: not a state snapshot: recovering exactly from the older snapshot state/1.json']);
    store.close();
  });
});
