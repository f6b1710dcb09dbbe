/**
 * The worker threads of a `--workers` job (engine/workers-source.ts): each runs
 * engine/worker-entry.ts (`ENTRY`) on one
 * `WorkerTask` and talks over its own port. An answer can be taken synchronously (a graceful
 * stop): the thread sets its slot of `WorkerTask.signals` after posting.
 */
import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { WorkerTask } from './worker-task.js';

/** node:worker_threads, loaded on first use: a job without --workers does not pay for it at start-up. */
const workerThreads = (): typeof import('node:worker_threads') => createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');

/**
 * The thread's module, beside this one: in the bundle (dist/bundle/main.cjs) the CommonJS bundle of
 * worker-entry.ts (scripts/bundle.js: no ESM loader in the thread), else tsc's worker-entry.js.
 */
const ENTRY = import.meta.url.endsWith('.cjs') ? './worker-entry.cjs' : './worker-entry.js';

/** One running thread: its part's number (`WorkerTask.index`) and its port. */
export interface Thread {
  index: number;
  port: MessagePort;
  worker: Worker;
}

/**
 * A thread already running worker-entry with no task (cli/start.cts `spareThread`): `take()` hands it
 * over once, or gives undefined (none, ended, or taken). It is sent `{ task, port }` as its first message.
 */
export type SpareThread = () => Worker | undefined;

/** The threads started so far (see module doc). */
export class WorkerThreads {
  threads: Thread[] = [];

  /** @param spare used for the first thread started, if it is still there */
  constructor(private readonly spare?: SpareThread) {}

  /** Starts a thread on `task` (the spare one, if any), calling `onError` if it fails outside its answers. */
  start(task: WorkerTask, onError: (e: Error) => void): Thread {
    const wt = workerThreads();
    const { port1, port2 } = new wt.MessageChannel();
    let worker = this.spare?.();
    if (worker) worker.postMessage({ task, port: port2 }, [port2]);
    else worker = new wt.Worker(new URL(ENTRY, import.meta.url), { workerData: { task, port: port2 }, transferList: [port2] });
    worker.once('error', onError);
    const t = { index: task.index, port: port1, worker };
    this.threads.push(t);
    return t;
  }

  /** Ends every thread (their answers not yet taken are dropped). */
  end(): void {
    for (const t of this.threads) {
      void t.worker.terminate();
      t.port.close();
    }
    this.threads = [];
  }

  /**
   * Waits, synchronously, until thread `t`'s slot of `signals` is no longer `whileValue` or
   * `deadlineMs` (`performance.now()` ms) has passed, then takes its next message, if any.
   */
  receive(t: Thread, signals: SharedArrayBuffer, whileValue: number, deadlineMs: number): unknown {
    Atomics.wait(new Int32Array(signals), 1 + t.index, whileValue, Math.max(0, deadlineMs - performance.now()));
    return workerThreads().receiveMessageOnPort(t.port)?.message;
  }
}
