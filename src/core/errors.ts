/**
 * One error type with a stable `code` and a `stage`, rendered once by the CLI.
 * Exit codes follow sysexits-style conventions documented in `dstream --help`:
 * 0 success, 1 runtime failure, 2 usage or configuration error,
 * 75 checkpoint in use, 130 interrupted twice.
 */

/** Where in the lifecycle an error happened. */
export type ErrorStage = 'config' | 'receiving' | 'processing' | 'sending' | 'checkpoint' | 'recovery';

/** Process exit codes used by the CLI. */
export const ExitCode = {
  OK: 0,
  RUNTIME: 1,
  USAGE: 2,
  CHECKPOINT_IN_USE: 75,
  INTERRUPTED: 130,
} as const;

/**
 * An error of dstream. `code` is stable (for scripts and tests), `stage` says
 * when it happened, `cause` keeps the original error.
 */
export class DStreamError extends Error {
  readonly code: string;
  readonly stage: ErrorStage;
  constructor(code: string, stage: ErrorStage, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DStreamError';
    this.code = code;
    this.stage = stage;
  }
  /** The process exit code this error maps to: 75 checkpoint in use, 2 configuration errors, 1 otherwise. */
  get exitCode(): number {
    if (this.code === 'E_CHECKPOINT_IN_USE') return ExitCode.CHECKPOINT_IN_USE;
    return this.stage === 'config' ? ExitCode.USAGE : ExitCode.RUNTIME;
  }
}

/** A configuration (usage) error: bad flag, bad function, invalid window. Exit code 2. */
export class ConfigError extends DStreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', 'config', message, options);
    this.name = 'ConfigError';
  }
}

/**
 * Checks restored state before it is used: `d` must be an object whose
 * fields `numbers` are numbers (±Infinity allowed, not NaN).
 * @throws Error naming `what` and the first bad field (a damaged checkpoint).
 */
export function checkStateFields(d: unknown, numbers: string[], what: string): Record<string, unknown> {
  if (d === null || typeof d !== 'object') throw new Error(`not the state of ${what}`);
  const o = d as Record<string, unknown>;
  for (const k of numbers) if (typeof o[k] !== 'number' || Number.isNaN(o[k])) throw new Error(`bad ${k} in the state of ${what}`);
  return o;
}
