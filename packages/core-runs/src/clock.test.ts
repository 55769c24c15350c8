import { describe, expect, it } from 'vitest';
import { clockFromEnv, formatCapturedAt } from './clock.js';

describe('clockFromEnv', () => {
  it('pins the clock to SOURCE_DATE_EPOCH', () => {
    expect(formatCapturedAt(clockFromEnv({ SOURCE_DATE_EPOCH: '1700000000' })())).toBe(
      '2023-11-14T22:13:20Z',
    );
  });

  it('uses the system clock when unset', () => {
    const before = Date.now();
    const now = clockFromEnv({})().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
  });

  it('rejects a malformed SOURCE_DATE_EPOCH with a message naming it', () => {
    expect(() => clockFromEnv({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH/);
  });
});
