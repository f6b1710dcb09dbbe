import { describe, expect, it } from 'vitest';
import { StopSignals } from '../../src/core/stop-signals.js';

describe('StopSignals', () => {
  it('the first signal stops; after it a SIGTERM is a repeat and a SIGINT aborts', () => {
    const s = new StopSignals();
    expect(s.received).toBe(0);
    expect(['SIGTERM', 'SIGTERM', 'SIGTERM', 'SIGINT'].map((sig) => s.next(sig as NodeJS.Signals))).toEqual(['stop', 'repeat', 'repeat', 'abort']);
    expect(s.received).toBe(4);
    const t = new StopSignals();
    expect(['SIGINT', 'SIGTERM', 'SIGINT'].map((sig) => t.next(sig as NodeJS.Signals))).toEqual(['stop', 'repeat', 'abort']);
  });

  it('says what aborts after the first signal, and notes a repeat', () => {
    expect(StopSignals.abortHint('SIGINT')).toBe('(again to abort)');
    expect(StopSignals.abortHint('SIGTERM')).toBe('(SIGINT to abort)');
    expect(StopSignals.repeatLine('SIGTERM')).toBe('SIGTERM again: still stopping gracefully (SIGINT aborts, exit 130)');
  });
});
