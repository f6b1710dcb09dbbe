/**
 * `dstream publish URL --partitions N`: lines from stdin into the N partition
 * streams of a topic. Lines go round-robin, or by `--partition-key FN`: an
 * integer result is the partition (modulo N), anything else is hashed
 * (FNV-1a of its text), so one key always goes to one partition, in order. Lines are packed into
 * entries of up to `ENTRY_BYTES` (one `XADD` per entry, pipelined); a pack is
 * flushed when full, every `flushMs` for live input, and at the end, where an
 * end-of-input marker is appended to every partition so bounded input
 * flushes every window. Publishing is at least once: a publisher killed and
 * re-run appends its input again.
 */
import type { Readable } from 'node:stream';
import { ConfigError } from '../core/errors.js';
import type { IssueLog } from '../core/issues.js';
import { LineSplitter } from '../sources/line-splitter.js';
import { fnv1a } from './partials.js';
import type { LogBackend } from './log-backend.js';

/** Bytes (UTF-16 units) per input entry at most. */
export const ENTRY_BYTES = 64 * 1024;
/** Appends in flight before stdin is paused. */
const MAX_IN_FLIGHT = 64;

/** Options of `publish`. */
export interface PublishOptions {
  partitions: number;
  /** `--partition-key`: line → key; a throwing function skips the line (counted in `issues`). */
  partitionKey?: (line: string) => unknown;
  maxLineBytes: number;
  issues: IssueLog;
  /** Flush period (ms) of partly filled entries. */
  flushMs: number;
  /** End-of-input markers at the end (default true). */
  eof?: boolean;
  /** Resolves to stop early (SIGTERM): what was read is sent, without end-of-input markers. */
  stop?: Promise<void>;
}

/**
 * Creates the topic with `partitions` (default `defaultPartitions`) or opens it.
 * @returns its partition count.
 * @throws ConfigError (exit 2) when the topic has ended (end-of-input markers) or has another partition count.
 */
export async function openTopic(log: LogBackend, partitions: number | undefined, defaultPartitions: number): Promise<number> {
  const existing = await log.partitions();
  const n = await log.createTopic(partitions ?? existing ?? defaultPartitions);
  const ended = existing === null ? [] : await log.endedPartitions(n);
  if (ended.length > 0) {
    throw new ConfigError(`topic '${log.topic}' has ended: an earlier publish wrote end-of-input markers, and jobs ignore what follows them; publish to a new topic (several publishers of one topic: give all of them --no-eof)`);
  }
  if (partitions !== undefined && n !== partitions) throw new ConfigError(`topic '${log.topic}' has ${n} partitions, not ${partitions} (partitions are fixed at creation)`);
  return n;
}

/** Records how the topic is published: `bounded` (from a regular file: workers wait for every partition), `keepInput` (no retention trim). */
export async function markTopic(log: LogBackend, o: { bounded: boolean; keepInput: boolean }): Promise<void> {
  if (o.bounded) await log.markBounded();
  if (o.keepInput) await log.keepInput();
}

/**
 * Publishes `input` to the topic of `log` (created with `o.partitions` if new).
 * @returns lines and entries written.
 * @throws ConfigError when the topic exists with another partition count.
 */
export async function publish(log: LogBackend, input: Readable, o: PublishOptions): Promise<{ lines: number; entries: number; ended: boolean }> {
  const n = o.partitions;
  const packs: string[][] = Array.from({ length: n }, () => []);
  const sizes = new Array<number>(n).fill(0);
  let rr = 0;
  let lines = 0;
  let entries = 0;
  let inFlight = 0;
  let failure: Error | null = null;
  let resumeWaiter: (() => void) | null = null;
  let stopped = false;

  const send = (p: number) => {
    const text = packs[p]!.join('\n');
    packs[p] = [];
    sizes[p] = 0;
    inFlight++;
    entries++;
    log.append(p, text).then(() => {
      inFlight--;
      if (inFlight < MAX_IN_FLIGHT / 2 && resumeWaiter) resumeWaiter();
    }, (e: Error) => {
      failure ??= e;
      inFlight--;
      resumeWaiter?.();
    });
  };
  const keyFn = o.partitionKey;
  const splitter = new LineSplitter((line) => {
    let p: number;
    if (keyFn) {
      o.issues.current = line;
      try {
        const key = keyFn(line);
        p = Number.isSafeInteger(key) ? (((key as number) % n) + n) % n : fnv1a(typeof key === 'string' ? key : String(key)) % n;
      } catch (e) {
        o.issues.userError('--partition-key', line, e); // the function threw, or its value has no text
        return;
      }
    } else {
      p = rr;
      rr = rr + 1 === n ? 0 : rr + 1;
    }
    packs[p]!.push(line);
    sizes[p]! += line.length + 1;
    lines++;
    if (sizes[p]! >= ENTRY_BYTES) send(p);
  }, o.issues, 'stdin', o.maxLineBytes);

  const flushAll = () => {
    for (let p = 0; p < n; p++) if (packs[p]!.length) send(p);
  };
  const timer = setInterval(flushAll, o.flushMs);
  try {
    await new Promise<void>((resolve, reject) => {
      input.on('data', (chunk: Buffer) => {
        splitter.push(chunk);
        if (inFlight >= MAX_IN_FLIGHT) {
          input.pause();
          resumeWaiter = () => {
            resumeWaiter = null;
            input.resume();
          };
        }
        if (failure) reject(failure);
      });
      input.on('end', () => resolve());
      input.on('error', reject);
      void o.stop?.then(() => {
        stopped = true;
        input.pause();
        resolve();
      });
    });
    if (!stopped) splitter.end(); // a stop keeps an unfinished last line out
    flushAll();
    if (o.eof !== false && !stopped) for (let p = 0; p < n; p++) void log.appendEof(p).catch((e: Error) => (failure ??= e));
    await log.flush(); // every append above has been answered
    if (failure) throw failure;
  } finally {
    clearInterval(timer);
  }
  return { lines, entries, ended: !stopped };
}
