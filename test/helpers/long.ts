/**
 * Sizes of the soak and crash runs. `npm test` runs a few seeds or cycles of each, so that it stays
 * within minutes on a 2-core machine; `npm run test:long` (DSTREAM_LONG=1) runs all of them.
 * A test's own variable (e.g. DSTREAM_CRASH_CYCLES=7) wins over both.
 */
export const LONG = process.env.DSTREAM_LONG === '1';

/** The number in the environment variable `name` if set, else `long` under `npm run test:long`, else `short`. */
export function soak(name: string, short: number, long: number): number {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number(v) : LONG ? long : short;
}
