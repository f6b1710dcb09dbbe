/**
 * The Lua scripts of the Redis backend, read from `lua/*.lua` beside this
 * module once, at first use (the build copies them beside dist/ and the
 * bundle), and defined as commands on a connection (ioredis sends EVALSHA,
 * falling back to EVAL after a server restart).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The commands the scripts define (see each `.lua` file for KEYS and ARGV). */
export interface Scripts {
  dsAcquire(k1: string, k2: string, k3: string, ...a: (string | number)[]): Promise<number>;
  dsHeartbeat(k1: string, k2: string, k3: string, ...a: (string | number)[]): Promise<[string, string[], string[], string[]]>;
  dsRelease(k1: string, k2: string, ...a: (string | number)[]): Promise<number>;
  dsS1Plan(n: number, ...a: (string | number)[]): Promise<string>;
  dsS1Commit(n: number, ...a: (string | number)[]): Promise<string>;
  dsS2Commit(k1: string, k2: string, k3: string, k4: string, ...a: (string | number)[]): Promise<string>;
  dsS2HandOver(k1: string, k2: string, ...a: (string | number)[]): Promise<string>;
  dsOpenJob(k1: string, k2: string, k3: string, k4: string, ...a: (string | number)[]): Promise<[string, string[] | string]>;
  dsCreateTopic(k1: string, a: number): Promise<number>;
}

/** Command name → [file, number of keys (undefined: given per call), needs the shared head]. */
const COMMANDS: Record<keyof Scripts, [string, number | undefined, boolean]> = {
  dsAcquire: ['acquire', 3, true],
  dsHeartbeat: ['heartbeat', 3, true],
  dsRelease: ['release', 2, true],
  dsS1Plan: ['s1-plan', undefined, true],
  dsS1Commit: ['s1-commit', undefined, true],
  dsS2Commit: ['s2-commit', 4, true],
  dsS2HandOver: ['s2-hand-over', 2, true],
  dsOpenJob: ['open-job', 4, false],
  dsCreateTopic: ['create-topic', 1, false],
};

let sources: Map<string, string> | null = null;

/**
 * The text of `lua/NAME.lua`.
 * @throws Error when the file is missing (a broken installation).
 */
function lua(name: string): string {
  sources ??= new Map();
  let text = sources.get(name);
  if (text === undefined) sources.set(name, (text = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')));
  return text;
}

/** Defines every script on `redis`. */
export function defineScripts(redis: Redis): Redis & Scripts {
  for (const [command, [file, numberOfKeys, head]] of Object.entries(COMMANDS)) {
    redis.defineCommand(command, { numberOfKeys, lua: (head ? lua('head') : '') + lua(file) });
  }
  return redis as Redis & Scripts;
}
