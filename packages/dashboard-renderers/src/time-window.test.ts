import { describe, expect, it } from 'vitest';
import { inWindow, parseTimeWindow, parseWindowBound } from './time-window.js';

describe('time windows', () => {
  it('turns dates into whole-day inclusive bounds', () => {
    expect(parseTimeWindow('2024-03-01', '2024-03-07')).toEqual({
      since: '2024-03-01T00:00:00Z',
      until: '2024-03-07T23:59:59Z',
    });
  });

  it('accepts timestamps with a zone and normalizes them to UTC', () => {
    expect(parseWindowBound('2024-03-01T12:30:00+02:00', 'since')).toBe('2024-03-01T10:30:00Z');
  });

  it.each(['yesterday', '2024-02-30', '2024-03-01T10:00:00', '03/01/2024'])(
    'rejects %j naming the flag',
    (value) => {
      expect(() => parseWindowBound(value, 'since')).toThrow(/^--since: /);
    },
  );

  it('rejects --since after --until', () => {
    expect(() => parseTimeWindow('2024-03-08', '2024-03-01')).toThrow(/--since .* is after --until/);
  });

  it('names query or action parameters, not flags, with an empty prefix', () => {
    expect(() => parseTimeWindow('yesterday', undefined, { prefix: '' })).toThrow(
      /^since: expected an ISO date/,
    );
    expect(() => parseTimeWindow(undefined, '2024-02-30', { prefix: '' })).toThrow(
      /^until: not a calendar date: 2024-02-30$/,
    );
    expect(() => parseTimeWindow('2024-03-08', '2024-03-01', { prefix: '' })).toThrow(
      /^since \(2024-03-08T00:00:00Z\) is after until \(2024-03-01T23:59:59Z\)$/,
    );
  });

  it('filters inclusively', () => {
    const window = parseTimeWindow('2024-03-01', '2024-03-01');
    expect(inWindow('2024-03-01T23:59:59Z', window)).toBe(true);
    expect(inWindow('2024-03-02T00:00:00Z', window)).toBe(false);
  });
});
