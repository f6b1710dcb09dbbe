/** Moved into `source.ts` (the one source contract); kept so that old import paths still resolve. */
export { isReplayable, type Replayable } from './source.js';
