/**
 * Defaults of `--listen` (socket-server.ts), apart so that the flag parser can
 * show them without loading node:net at start-up.
 */

/** Default `--max-connections`. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Default `--idle-timeout`: 5 minutes. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
