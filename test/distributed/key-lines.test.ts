/**
 * The stderr lines about output keys (sinks/key-check.ts: keys json/tsv/csv write as another key's text,
 * object keys grouped by their JSON text, two keys written alike) are said by `dstream cat` as by the local
 * run of the same job, record numbers included; the workers say what they see while aggregating (a key
 * that came as a Set and as an array), as the local run does. One worker, so that the lines are its own.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allExit, killAll, publishFile, runDstream, startWorker, tail, type Proc } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { redisPerSuite } from '../helpers/servers.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { INPUT, keyLines, STATELESS, TSV_LINES, WINDOWED, WORKER_LINE, workerLines } from './key-lines-jobs.js';

describe.skipIf(!redisAvailable())('distributed: the key lines of the local run', () => {
  const temp = tempDirs('dstream-key-lines-');
  const redis = redisPerSuite();
  const procs = new Set<Proc>();
  afterEach(async () => {
    await killAll(procs);
    procs.clear();
  });

  /** Publishes INPUT to `topic` (one partition: the worker meets the keys in the local run's order), runs one worker of `job` to its end; its stderr, and the local run's and cat's per format. */
  async function run(topic: string, job: string[], extra: string[]) {
    const file = join(temp(), 'in.txt');
    writeFileSync(file, INPUT);
    await publishFile(redis().url(topic), 1, file);
    const to = redis().url(`${topic}-out`);
    const w = startWorker(redis().url(topic, topic), to, job, extra, { name: 'worker' });
    procs.add(w);
    const [e] = await allExit([w], 120_000);
    expect(e, tail(w.stderr())).toEqual({ code: 0, signal: null });
    const formats: Record<string, { local: string[]; cat: string[]; same: boolean }> = {};
    for (const format of ['json', 'tsv', 'text']) {
      const local = await runDstream([...job, '--format', format], { stdin: { file } });
      const cat = await runDstream(['cat', to, '--format', format]);
      expect(local.code, local.stderr).toBe(0);
      expect(cat.code, cat.stderr).toBe(0);
      formats[format] = { local: keyLines(local.stderr), cat: keyLines(cat.stderr), same: local.stdout.replace(/"time":\d+/g, '') === cat.stdout.replace(/"time":\d+/g, '') };
    }
    return { worker: workerLines(w.stderr()), formats };
  }

  it('--count-by-value --window 1d: cat says the local run\'s key lines; the worker the Set and the array', async () => {
    const { worker, formats } = await run('win', WINDOWED, ['--key-partitions', '2']);
    expect(formats.tsv!.cat).toEqual(formats.tsv!.local);
    expect(formats.json!.cat).toEqual(formats.json!.local);
    expect(formats.text!.cat).toEqual(formats.text!.local);
    expect(formats.tsv!.local).toEqual(TSV_LINES);
    expect(formats.tsv!.same && formats.json!.same && formats.text!.same).toBe(true);
    expect(worker).toEqual([WORKER_LINE]);
  }, 240_000);

  it('a stateless job: cat says the local run\'s key lines', async () => {
    const { formats } = await run('rows', STATELESS, []);
    for (const f of ['json', 'tsv', 'text']) expect(formats[f]!.cat, f).toEqual(formats[f]!.local);
    expect(formats.json!.local).toEqual([
      'dstream: --format json: output record 1 has a key that does not survive being read back: NaN is written as the string "NaN" (JSON has no NaN): it reads back as that string (said once)',
      'dstream: --format json: output record 2 has a key that does not survive being read back: the BigInt 10n is written as the number 10: it reads back as the number, another key (said once)',
      'dstream: output record 6 has a key grouped by its JSON text, which other keys share: NaN inside it is null in JSON, so such keys are counted as one (said once)',
    ]);
  }, 240_000);
});
