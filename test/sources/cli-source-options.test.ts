/** The source flags as parsed by the CLI (src/cli/source-options.ts through parseArgs). */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import type { SourceCliOptions } from '../../src/cli/source-options.js';

function sources(argv: string[]): SourceCliOptions {
  const r = parseArgs([...argv, '--count']);
  if (r.kind !== 'run') throw new Error('not a run');
  return r.options.sources;
}

describe('source flags', () => {
  it('stdin is the default, and joins other sources with - or --stdin', () => {
    expect(sources([]).stdin).toBe(true);
    expect(sources(['--listen', '9000']).stdin).toBe(false);
    expect(sources(['--listen', '9000', '-']).stdin).toBe(true);
    expect(sources(['--watch', '/tmp', '--stdin']).stdin).toBe(true);
  });

  it('defaults: 1024 connections, 5m idle timeout, 1s settle, keep, retry forever', () => {
    const o = sources(['--listen', '9000', '--watch', 'a', '--watch', 'b', '--connect', 'h:1', '--connect', 'h:2']);
    expect(o).toMatchObject({
      listen: [{ host: '127.0.0.1', port: 9000 }],
      connect: [{ host: 'h', port: 1 }, { host: 'h', port: 2 }],
      watch: ['a', 'b'],
      maxConnections: 1024,
      idleTimeoutMs: 300_000,
      settleMs: 1000,
      afterRead: { kind: 'keep' },
      connectRetries: Infinity,
      once: false,
      recursive: false,
    });
  });

  it('reads every setting; 0 disables --idle-timeout and --settle', () => {
    const o = sources(['--listen', '0.0.0.0:0', '--max-connections', '5', '--idle-timeout', '0', '--watch', 'd', '--pattern', '*.gz',
      '--recursive', '--settle', '0', '--max-files-per-batch', '3', '--after-read', 'move:/done', '--max-rate', '100']);
    expect(o).toMatchObject({
      listen: [{ host: '0.0.0.0', port: 0 }], maxConnections: 5, idleTimeoutMs: 0, pattern: '*.gz', recursive: true, settleMs: 0,
      maxFilesPerBatch: 3, afterRead: { kind: 'move', dir: '/done' }, maxRate: 100, once: false,
    });
    expect(sources(['--watch', 'd', '--once']).once).toBe(true);
    expect(() => sources(['--listen', '0', '--idle-timeout', '0', '--once'])).toThrow(/--once with --listen ends after --idle-timeout/);
  });

  it('a positional argument other than - is still an error', () => {
    expect(() => parseArgs(['file.log', '--count'])).toThrow("unexpected argument 'file.log'");
  });
});
