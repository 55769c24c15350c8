import { describe, expect, it } from 'vitest';
import { evaluateGate, parseSuccessRate } from './dashboard-gate.js';
import { summarizeHistory } from './summarize-history.js';

function summaryWith(ok: number, failed: number) {
  const rows = [
    ...Array.from({ length: ok }, (_, i) => [
      `${'a'.repeat(63)}${i % 10}.json`,
      `2024-01-01T00:00:0${i % 10}Z`,
      'ok',
      't',
      [],
      [],
      0,
      0,
      0,
      1,
      1,
    ]),
    ...Array.from({ length: failed }, (_, i) => [
      `${'b'.repeat(63)}${i % 10}.json`,
      `2024-01-02T00:00:0${i % 10}Z`,
      'error',
      't',
      [],
      [],
      0,
      0,
      0,
      1,
      1,
    ]),
  ] as unknown as Parameters<typeof summarizeHistory>[0];
  return summarizeHistory(rows);
}

describe('parseSuccessRate', () => {
  it.each([
    ['0.95', 0.95],
    ['95%', 0.95],
    ['95', 0.95],
    ['1', 1],
    ['0', 0],
  ])('reads %j as %f', (input, expected) => {
    expect(parseSuccessRate(input)).toBeCloseTo(expected);
  });

  it.each(['abc', '-1', '101%'])('rejects %j naming the flag', (input) => {
    expect(() => parseSuccessRate(input)).toThrow(/--min-success-rate/);
  });
});

describe('evaluateGate', () => {
  it('passes when the rate and failure count are within thresholds', () => {
    const result = evaluateGate(summaryWith(9, 1), {
      min_success_rate: 0.9,
      max_failures: 1,
      allow_empty: false,
    });
    expect(result.ok).toBe(true);
    expect(result.reason).toBe('gate passed: 10 runs, success rate 90.0%, 1 failed');
  });

  it('fails with one line naming every unmet threshold', () => {
    const result = evaluateGate(summaryWith(1, 3), {
      min_success_rate: 0.9,
      max_failures: 2,
      allow_empty: false,
    });
    expect(result.ok).toBe(false);
    expect(result.reason).toBe(
      'gate failed: success rate 25.0% is below 90.0%; 3 failed runs exceed the maximum of 2',
    );
    expect(result.reason).not.toContain('\n');
  });

  it('fails on an empty window unless allowed', () => {
    expect(
      evaluateGate(summaryWith(0, 0), { min_success_rate: 0.5, max_failures: null, allow_empty: false }).ok,
    ).toBe(false);
    expect(
      evaluateGate(summaryWith(0, 0), { min_success_rate: 0.5, max_failures: null, allow_empty: true }).ok,
    ).toBe(true);
  });
});
