/**
 * The Kafka client as patched by patches/ (patch-package at `npm ci`): its option
 * validators are compiled at their first use instead of at import (about 0.25 s
 * of CPU at every start), and still refuse bad options with the client's message.
 */
import { describe, expect, it } from 'vitest';
import { Admin, ajv } from '@platformatic/kafka';

describe('Kafka client patch: validators compiled at first use', () => {
  it('a validator of ajv.compile is compiled at its first call and validates as before', () => {
    const validate = ajv.compile({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    expect(validate({ n: 1 })).toBe(true);
    expect(validate({ n: 'x' })).toBe(false);
    expect(validate.errors?.[0]?.message).toBe('must be integer');
    expect(validate({ n: 2 })).toBe(true);
    expect(validate.errors).toBeNull();
  });
  it('the client still refuses bad options (it validates them only with strict: true; dstream does not set it)', () => {
    expect(() => new Admin({ clientId: 'x', bootstrapBrokers: ['127.0.0.1:1'], strict: true, timeout: 'soon' } as never)).toThrow('/options/timeout must be number.');
  });
});
