/**
 * Noticing that the reader of standard output went away while nothing is written (`dstream cat
 * --follow | head -1` on a quiet output: no write, so no EPIPE, and the command would wait for the
 * next row forever). Node cannot poll its stdout for the error a pipe's write end reports once it
 * has no reader, but GNU `tail -f` does (coreutils 8.28 and later): a `tail -f --pid=OUR_PID
 * /dev/null` sharing our stdout exits when the reader has gone (or when this process has died),
 * and its exit is the event. Where there is no such tail (or stdout is not a pipe), nothing is
 * watched and the next write's EPIPE ends the command, as before.
 */
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';

/**
 * Calls `gone` once when standard output is a pipe whose reader has gone away (noticed within about
 * a second). Does not keep the process alive; the watcher is stopped when the process exits.
 */
export function onReaderGone(gone: () => void): void {
  try {
    if (!fstatSync(1).isFIFO()) return;
  } catch {
    return;
  }
  let exiting = false;
  const watcher = spawn('tail', ['-f', `--pid=${process.pid}`, '/dev/null'], { stdio: ['ignore', 'inherit', 'ignore'] });
  watcher.on('error', () => undefined); // no tail: nothing watched
  watcher.on('exit', () => {
    if (!exiting) gone();
  });
  watcher.unref();
  process.on('exit', () => {
    exiting = true;
    watcher.kill();
  });
}
