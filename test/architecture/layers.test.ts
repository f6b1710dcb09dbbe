/**
 * The import direction of src/ (the layers are listed in scripts/layers.js):
 * no import runs upward, no files import each other in a cycle, and cli/
 * builds the job from the public API (src/index.ts), plan/ and observe/ only.
 *
 * `ALLOWED` lists the imports that still break a rule (none now); it may only
 * shrink. A new violation fails with the
 * import named; one that is fixed fails too, so that its entry is removed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a JavaScript module without types (scripts/ also runs it by hand)
import { importCycles, importGraph, partOf, upwardImports } from '../../scripts/layers.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const { graph } = importGraph(SRC) as { graph: Map<string, string[]> };

/** Parts of src/ that cli/ may import besides the modules the public API exports from. */
const CLI_MAY_IMPORT = new Set(['cli', 'core', 'plan', 'observe', 'index.ts']);

const ALLOWED: Record<string, readonly string[]> = {
  upward: [],
  cycles: [],
  cli: [],
};

/** Modules src/index.ts exports from (the public API). */
const PUBLIC = new Set(graph.get('index.ts') ?? []);

function cliViolations(): string[] {
  const out: string[] = [];
  for (const [from, deps] of graph) {
    if (partOf(from) !== 'cli') continue;
    for (const to of deps) if (!CLI_MAY_IMPORT.has(partOf(to)) && !PUBLIC.has(to)) out.push(`${from} → ${to}`);
  }
  return out.sort();
}

describe('layers', () => {
  it('reads the whole tree', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('engine/context.ts')).toContain('engine/job-generator.ts');
  });

  it('no import runs upward (core ← pieces ← plan ← engine ← distributed/observe ← index ← cli)', () => {
    const up = (upwardImports(graph) as [string, string][]).map(([a, b]) => `${a} → ${b}`);
    expect(up).toEqual(ALLOWED.upward);
  });

  it('no files import each other in a cycle (type-only imports included)', () => {
    const cycles = (importCycles(graph) as string[][]).map((c) => c.join(' ↔ '));
    expect(cycles).toEqual(ALLOWED.cycles);
  });

  it('cli/ imports only the public API, plan/ and observe/', () => {
    expect(cliViolations()).toEqual([...ALLOWED.cli].sort());
  });

  it('the checks see a violation when there is one', () => {
    const g = new Map<string, string[]>([
      ['core/a.ts', ['engine/b.ts']],
      ['engine/b.ts', ['engine/c.ts']],
      ['engine/c.ts', ['engine/b.ts']],
    ]);
    expect(upwardImports(g)).toEqual([['core/a.ts', 'engine/b.ts']]);
    expect(importCycles(g)).toEqual([['engine/b.ts', 'engine/c.ts']]);
  });
});
