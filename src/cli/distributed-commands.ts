/**
 * The subcommands of distributed mode: `dstream publish|cat|job status|job
 * reset|topic delete` over a log URL (redis:// or kafka://). Thin: flags →
 * the library in src/distributed.
 */
import yargs from 'yargs';
import { parseByteSize, parseCount } from '../core/count.js';
import { plural } from '../core/plural.js';
import { ConfigError, DStreamError, ExitCode } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { IssueLog } from '../core/issues.js';
import { compileFunction } from '../plan/compile-fn.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../sinks/format.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/line-splitter.js';
import { formatStatus, catOutput, openBackend, parseLogUrl, markTopic, openTopic, publish } from '../distributed/index.js';
import { DEFAULT_INPUT_PARTITIONS } from './distributed-options.js';
import { invalidChoiceMessage } from './hints.js';
import { onStopSignals, stdinIsFile } from './process-io.js';
import { onReaderGone } from './reader-gone.js';
import { IssueReporter } from './report.js';

type Say = (line: string) => void;

/** Connects, a failure as the backend names it (which brokers or server did not answer; exit 1), never an internal error. */
async function connect(log: Awaited<ReturnType<typeof openBackend>>): Promise<void> {
  try {
    await log.connect();
  } catch (e) {
    await log.close().catch(() => undefined);
    throw log.classifyError(e);
  }
}

const SUB_USAGE = `Usage (LOG: redis://HOST:PORT or kafka://HOST:PORT[,HOST:PORT…]):
  dstream publish LOG/TOPIC [--partitions N] [--partition-key FN] [--no-eof] [--keep-input] < lines
  dstream cat LOG/NAME [--format tsv|json|csv|text] [--follow]
  dstream job status 'LOG/TOPIC?group=JOB' [--json]
  dstream job reset 'LOG/TOPIC?group=JOB'
  dstream topic delete LOG/TOPIC`;

function subParser(argv: string[]) {
  return yargs(argv)
    .parserConfiguration({ 'camel-case-expansion': false, 'boolean-negation': false })
    .option('partitions', { type: 'string' })
    .option('partition-key', { type: 'string' })
    .option('max-line-bytes', { type: 'string' })
    .option('format', { choices: OUTPUT_FORMATS as OutputFormat[] })
    .option('follow', { type: 'boolean' })
    .option('json', { type: 'boolean' })
    .option('flush', { type: 'string' })
    .option('no-eof', { type: 'boolean' })
    .option('keep-input', { type: 'boolean' })
    .strictOptions()
    .help(false)
    .version(false)
    .exitProcess(false);
}

/**
 * `dstream publish|cat|job …`.
 * @returns the exit code.
 * @throws ConfigError (exit 2) for bad arguments; DStreamError (exit 1) when redis cannot be reached; (exit 75) reset of a running job.
 */
export async function distributedCommand(argv: string[], out: (s: string) => boolean, say: Say): Promise<number> {
  const [cmd, ...rest0] = argv;
  let rest = rest0;
  let verb: string | undefined;
  if (cmd === 'job') {
    verb = rest[0];
    rest = rest.slice(1);
    if (verb !== 'status' && verb !== 'reset') throw new ConfigError(`dstream job: expected status or reset\n${SUB_USAGE}`);
  } else if (cmd === 'topic') {
    verb = rest[0];
    rest = rest.slice(1);
    if (verb !== 'delete') throw new ConfigError(`dstream topic: expected delete\n${SUB_USAGE}`);
  }
  let failure: string | undefined;
  const parsed = subParser(rest).fail((m) => {
    failure = m;
  }).parseSync() as Record<string, unknown>;
  if (failure) throw new ConfigError(`dstream ${cmd}${verb ? ` ${verb}` : ''}: ${invalidChoiceMessage(failure) ?? failure.replace(/\s*\n\s*/g, ' ')}`);
  const pos = (parsed._ as unknown[]).map(String);
  if (pos.length !== 1) throw new ConfigError(`dstream ${cmd}${verb ? ` ${verb}` : ''} takes one URL\n${SUB_USAGE}`);
  const allowed: Record<string, string[]> = {
    publish: ['partitions', 'partition-key', 'max-line-bytes', 'flush', 'no-eof', 'keep-input'], cat: ['format', 'follow'], status: ['json'], reset: [], delete: [],
  };
  for (const k of Object.keys(parsed)) {
    if (k === '_' || k === '$0') continue;
    if (!allowed[verb ?? cmd!]!.includes(k)) throw new ConfigError(`dstream ${cmd}${verb ? ` ${verb}` : ''} does not take --${k}`);
  }
  const url = parseLogUrl(pos[0]!, `dstream ${cmd}`, cmd === 'job');
  const log = await openBackend(url, { persistent: false });
  if (cmd === 'publish') {
    const n = parsed.partitions === undefined ? undefined : parseCount(parsed.partitions, '--partitions', 1, 1024);
    const keyFn = parsed['partition-key'] === undefined ? undefined : compileFunction(String(parsed['partition-key']), '--partition-key') as (l: string) => unknown;
    const maxText = String(parsed['max-line-bytes'] ?? DEFAULT_MAX_LINE_BYTES);
    const maxLineBytes = parseByteSize(maxText, '--max-line-bytes');
    const flushMs = parsed.flush === undefined ? 100 : parseDuration(String(parsed.flush), '--flush');
    await connect(log);
    try {
      const partitions = await openTopic(log, n, DEFAULT_INPUT_PARTITIONS);
      const issues = new IssueLog('skip');
      const reporter = new IssueReporter(say);
      issues.listen(reporter.onIssue);
      // SIGTERM/SIGINT: stop reading, send what is packed, no end-of-input markers (the input did not end).
      let stopSignal: NodeJS.Signals | undefined;
      const stopRequested = new Promise<void>((resolve) => {
        onStopSignals((sig) => {
          stopSignal = sig;
          resolve();
        }, say);
      });
      // Input from a regular file is bounded: workers then wait for every partition by default (--idle-timeout off).
      await markTopic(log, { bounded: stdinIsFile(), keepInput: parsed['keep-input'] === true });
      const r = await publish(log, process.stdin, { partitions, partitionKey: keyFn, maxLineBytes: maxLineBytes!, issues, flushMs, stop: stopRequested, eof: parsed['no-eof'] !== true });
      if (stopSignal) say(`dstream: ${stopSignal}: stopped publishing; lines read so far were sent, no end-of-input markers written`);
      const summary = reporter.summary(issues);
      if (summary) say(summary);
      say(`dstream: published ${plural(r.lines, 'line')} to ${plural(partitions, 'partition')} of '${url.name}' (${plural(r.entries, 'entry', 'entries')})${!r.ended || parsed['no-eof'] === true ? '' : url.scheme === 'kafka' ? '; Kafka has no end-of-input marker: a job created with --once ends at the offsets published by then' : ', then end-of-input markers'}`);
    } catch (e) {
      const f = log.classifyError(e);
      if (f instanceof DStreamError && !(f instanceof ConfigError) && f.code === 'E_LOG') {
        throw new DStreamError('E_LOG', 'sending', `${f.message} (publishing stopped; lines sent before may be in the topic: re-running publishes them again)`);
      }
      throw f;
    } finally {
      await log.close();
    }
    return ExitCode.OK;
  }
  await connect(log);
  try {
    if (cmd === 'cat') {
      let stopped = false;
      const stop = () => {
        stopped = true;
        log.interrupt();
      };
      onStopSignals(stop, say);
      // With --follow nothing may be written for a long time: a reader gone (| head -1) ends it, exit 0.
      if (parsed.follow === true) onReaderGone(stop);
      const format = (parsed.format as OutputFormat | undefined) ?? 'tsv';
      try {
        await catOutput(log, url.name, format, (s) => {
          if (out(s)) return true;
          return new Promise<void>((r) => process.stdout.once('drain', () => r()));
        }, { follow: parsed.follow === true, stopped: () => stopped, say });
      } catch (e) {
        if (stopped) return ExitCode.OK;
        throw e;
      }
      return ExitCode.OK;
    }
    if (cmd === 'topic') {
      const n = await log.deleteTopic();
      say(n === 0 ? `dstream: topic '${url.name}' does not exist: nothing to delete`
        : `dstream: topic '${url.name}' deleted with its jobs and their outputs (${plural(n, url.scheme === 'kafka' ? 'topic or group' : 'key', url.scheme === 'kafka' ? 'topics and groups' : 'keys')})`);
      return ExitCode.OK;
    }
    const job = log.job(url.group!);
    if (verb === 'status') {
      const s = await job.status();
      out(parsed.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
      return ExitCode.OK;
    }
    const gone = await job.reset();
    say(gone === null ? `dstream: job '${url.group}' on topic '${url.name}' does not exist: nothing to reset`
      : `dstream: job '${url.group}' on topic '${url.name}' reset (deleted: ${gone})`);
    return ExitCode.OK;
  } catch (e) {
    throw log.classifyError(e);
  } finally {
    await log.close();
  }
}
