/** Reading the Kafka client's errors: one implementation, used by the Kafka source, output and distributed workers. */
import { describe, expect, it } from 'vitest';
import { hasApiError, kafkaErrorText } from '../../src/sources/kafka/errors.js';
import { errorText, hasApiError as distributedHasApiError } from '../../src/distributed/kafka/client.js';

describe('Kafka client errors', () => {
  const inner = Object.assign(new Error('offset out of range'), { apiId: 'OFFSET_OUT_OF_RANGE' });
  const outer = Object.assign(new Error('fetch failed'), { errors: [Object.assign(new Error('partition 0'), { errors: [inner] })] });

  it('finds a protocol error at any depth of aggregated errors, and not another', () => {
    expect(hasApiError(inner, 'OFFSET_OUT_OF_RANGE')).toBe(true);
    expect(hasApiError(outer, 'OFFSET_OUT_OF_RANGE')).toBe(true);
    expect(hasApiError(outer, 'UNKNOWN_TOPIC_OR_PARTITION')).toBe(false);
    expect(hasApiError(undefined, 'X')).toBe(false);
  });

  it('writes a message with its first causes', () => {
    expect(kafkaErrorText(outer)).toBe('fetch failed: partition 0: offset out of range');
    expect(kafkaErrorText('plain')).toBe('plain');
  });

  it('distributed mode reads them with the same functions (no second copy)', () => {
    expect(distributedHasApiError).toBe(hasApiError);
    expect(errorText).toBe(kafkaErrorText);
  });
});
