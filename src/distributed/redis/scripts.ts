/**
 * The Lua scripts of the Redis backend, read from `lua/*.lua` beside this
 * module once, at first use (the build copies them beside dist/ and the
 * bundle), and defined as commands on a connection (ioredis sends EVALSHA,
 * falling back to EVAL after a server restart).
 */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/** The commands the scripts define (see each `.lua` file for KEYS and ARGV). Every script touches keys of one hash slot. */
export interface Scripts {
  dsAcquire(lease: string, ...a: (string | number)[]): Promise<number>;
  dsRenew(lease: string, ...a: (string | number)[]): Promise<number>;
  dsRelease(lease: string, ...a: (string | number)[]): Promise<number>;
  dsHeartbeat(members: string, meta: string, ...a: (string | number)[]): Promise<[string, string[]]>;
  dsS1Plan(lease: string, s1: string, ...a: (string | number)[]): Promise<string>;
  dsS1Decide(lease: string, s1: string, ...a: (string | number)[]): Promise<string>;
  dsS1Deliver(seen: string, s2in: string, ...a: (string | number)[]): Promise<string>;
  dsS1Finish(s1: string, seq: number): Promise<string>;
  /** On one server only: steps 1–3 in one script (s1-commit-all.lua). */
  dsS1CommitAll(numberOfKeys: number, ...a: (string | number)[]): Promise<string>;
  dsS2Commit(lease: string, s2: string, s2in: string, out: string, ...a: (string | number)[]): Promise<string>;
  dsS2HandOver(lease: string, s2: string, ...a: (string | number)[]): Promise<string>;
  dsOpenJob(topicMeta: string, jobMeta: string, jobs: string, ...a: (string | number)[]): Promise<[string, string[]?]>;
  dsClaimOutput(outputs: string, ...a: string[]): Promise<[string, string?]>;
  dsCreateTopic(meta: string, a: number): Promise<number>;
}

/** Command name → [file, number of keys (undefined: given per call), needs the shared head]. */
const COMMANDS: Record<keyof Scripts, [string, number | undefined, boolean]> = {
  dsAcquire: ['acquire', 1, true],
  dsRenew: ['renew', 1, true],
  dsRelease: ['release', 1, true],
  dsHeartbeat: ['heartbeat', 2, true],
  dsS1Plan: ['s1-plan', 2, true],
  dsS1Decide: ['s1-decide', 2, true],
  dsS1Deliver: ['s1-deliver', 2, false],
  dsS1Finish: ['s1-finish', 1, false],
  dsS1CommitAll: ['s1-commit-all', undefined, true],
  dsS2Commit: ['s2-commit', 4, true],
  dsS2HandOver: ['s2-hand-over', 2, true],
  dsOpenJob: ['open-job', 3, false],
  dsClaimOutput: ['claim-output', 1, false],
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

/**
 * A connection: one server, or a Redis Cluster (typed as `Redis`: the commands used here are common to
 * both; a Cluster routes each by the hash slot of its first key).
 */
export type Client = Redis & Scripts;

/** `s1-commit-all.lua` with the three steps it calls as Lua functions (each file's KEYS and ARGV become parameters). */
function composed(file: string): string {
  if (file !== 's1-commit-all') return lua(file);
  const fn = (name: string, step: string) => `local function ${name}(KEYS, ARGV)\n${lua(step)}\nend\n`;
  return fn('decide', 's1-decide') + fn('deliver', 's1-deliver') + fn('finish', 's1-finish') + lua(file);
}

/** Defines every script on `redis`. */
export function defineScripts(redis: Redis | Cluster): Client {
  for (const [command, [file, numberOfKeys, head]] of Object.entries(COMMANDS)) {
    redis.defineCommand(command, { numberOfKeys, lua: (head ? lua('head') : '') + composed(file) });
  }
  return redis as Client;
}
