/**
 * The CLI side of checkpoints and exactly-once outputs: the flags
 * (`--checkpoint`, `--checkpoint-interval`, `--checkpoint-mismatch`, `--wal`,
 * `--drain`, `--output`, `--output-dir`) and `dstream checkpoint inspect|reset DIR`
 * (the fingerprint that guards a checkpoint is plan/fingerprint.ts).
 */
import type { Argv } from 'yargs';
import { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { inspectCheckpoint, resetCheckpoint } from '../checkpoint/inspect.js';
import { pipelineIdentity, type PipelineDescription } from '../plan/fingerprint.js';
import { ConfigError, ExitCode } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import type { Millis } from '../core/types.js';
import { BatchDirOutput, FileOutput, type DurableOutput } from '../sinks/durable-output.js';
import { KafkaOutput, parseKafkaUrl } from '../sinks/kafka-output.js';

/** Checkpoint and output settings. Durations in ms. */
export interface CheckpointCliOptions {
  checkpoint?: string;
  checkpointIntervalMs?: Millis;
  checkpointMismatch: 'fail' | 'reset';
  wal: boolean;
  drain: boolean;
  output?: string;
  outputDir?: string;
}

/** Adds the flags to a yargs parser. */
export function addCheckpointOptions<T>(y: Argv<T>): Argv<T> {
  const group = 'Checkpoints and exactly-once output:';
  return y
    .option('checkpoint', { type: 'string', describe: 'DIR: save state and source offsets every batch; a restart with the same command resumes', group })
    .option('checkpoint-interval', { type: 'string', describe: 'DURATION between full state snapshots (default: smallest multiple of the slide interval ≥ 10s)', group })
    .option('checkpoint-mismatch', { choices: ['fail', 'reset'] as const, default: 'fail' as const, describe: 'when the checkpoint was written by a different pipeline: stop (exit 2) or start over', group })
    .option('wal', { type: 'boolean', default: false, describe: 'write-ahead log stdin into the checkpoint, so a crash loses no line', group })
    .option('drain', { type: 'boolean', default: false, describe: 'with --checkpoint, emit open windows at the end (SIGTERM/SIGINT, or the end of an --once run) instead of keeping them for the next run', group })
    .option('output', { type: 'string', describe: 'FILE or kafka://BROKERS/TOPIC: append the output there instead of stdout (exactly once with --checkpoint)', group })
    .option('output-dir', { type: 'string', describe: 'DIR: one file per batch, DIR/batch-<batch time ms>, written atomically', group }) as Argv<T>;
}

function single(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Reads the flags from parsed argv. @throws ConfigError for invalid combinations. */
export function readCheckpointOptions(parsed: Record<string, unknown>): CheckpointCliOptions {
  const o: CheckpointCliOptions = {
    checkpoint: single(parsed.checkpoint) as string | undefined,
    checkpointMismatch: (single(parsed['checkpoint-mismatch']) as 'fail' | 'reset') ?? 'fail',
    wal: Boolean(single(parsed.wal)),
    drain: Boolean(single(parsed.drain)),
    output: single(parsed.output) as string | undefined,
    outputDir: single(parsed['output-dir']) as string | undefined,
  };
  const interval = single(parsed['checkpoint-interval']);
  if (interval !== undefined) o.checkpointIntervalMs = parseDuration(String(interval), '--checkpoint-interval');
  for (const [flag, v] of [['--checkpoint', o.checkpoint], ['--output', o.output], ['--output-dir', o.outputDir]] as const) {
    if (v === '') throw new ConfigError(`${flag} needs a non-empty path`);
  }
  if (o.wal && !o.checkpoint) throw new ConfigError('--wal needs --checkpoint DIR (the log is kept there)');
  if (o.drain && !o.checkpoint) throw new ConfigError('--drain needs --checkpoint (without one, a stop always emits open windows)');
  if (o.checkpointIntervalMs !== undefined && !o.checkpoint) throw new ConfigError('--checkpoint-interval needs --checkpoint');
  if (o.output && o.outputDir) throw new ConfigError('give either --output FILE or --output-dir DIR, not both');
  return o;
}

/** Opens the checkpoint (lock, fingerprint) or returns null without `--checkpoint`. */
export function openCheckpoint(o: CheckpointCliOptions, description: PipelineDescription, warn: (m: string) => void): CheckpointStore | null {
  return o.checkpoint ? CheckpointStore.open(o.checkpoint, pipelineIdentity(description), o.checkpointMismatch, warn) : null;
}

/** The durable output of `--output`/`--output-dir` (a FILE, or kafka://BROKERS/TOPIC), or null for stdout. */
export function durableOutput(o: CheckpointCliOptions, batchTimeMs: () => Millis, warn?: (message: string) => void): DurableOutput | null {
  const kafka = o.output ? parseKafkaUrl(o.output) : null;
  if (kafka) return new KafkaOutput(kafka, o.checkpoint);
  if (o.output) return new FileOutput(o.output, warn);
  if (o.outputDir) return new BatchDirOutput(o.outputDir, batchTimeMs);
  return null;
}

const CHECKPOINT_USAGE = 'Usage: dstream checkpoint inspect DIR | dstream checkpoint reset DIR\n';

const CHECKPOINT_HELP = `${CHECKPOINT_USAGE}
  inspect DIR  prints what the checkpoint in DIR holds: its metadata, the latest batch, its offsets
               (where a file on stdin resumes) and the size of its state
  reset DIR    removes the checkpoint in DIR, under its lock, so that the next run with
               --checkpoint DIR starts over (exit 75 while a job uses it)
`;

/**
 * \`dstream checkpoint inspect DIR\` / \`dstream checkpoint reset DIR\`; \`--help\` or \`-h\` anywhere after
 * \`checkpoint\` prints the usage on stdout (exit 0), as the main command's does.
 * @returns the exit code.
 */
export function checkpointCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  if (args.some((a) => a === '--help' || a === '-h')) {
    out(CHECKPOINT_HELP);
    return ExitCode.OK;
  }
  const [verb, dir, ...rest] = args;
  if ((verb !== 'inspect' && verb !== 'reset') || !dir || rest.length) {
    err(CHECKPOINT_USAGE);
    return ExitCode.USAGE;
  }
  if (verb === 'inspect') {
    out(inspectCheckpoint(dir));
    return ExitCode.OK;
  }
  resetCheckpoint(dir);
  err(`dstream: checkpoint ${dir} cleared\n`);
  return ExitCode.OK;
}
