// bench-server.mjs looks for a folder where creating files is fast before it
// measures, within --settle: it must stop as soon as one is, and never wait
// past the budget.
import { describe, expect, it } from 'vitest';
import { retryWhileSlow } from '../../../scripts/bench-settle.mjs';

/**
 * Runs retryWhileSlow on a fake clock that each pause moves forward, where
 * attempt n returns timings[n] (µs to create a file; over 50 is slow).
 */
async function settle(timings: number[], budgetMs: number) {
  let t = 1_000;
  const pauses: number[] = [];
  let n = 0;
  const out = await retryWhileSlow({
    attempt: () => timings[n++]!,
    isSlow: (micros) => micros > 50,
    budgetMs,
    now: () => t,
    sleep: async (ms) => {
      pauses.push(ms);
      t += ms;
    },
  });
  return { ...out, pauses };
}

describe('retryWhileSlow', () => {
  it('tries once when the first result is fast', async () => {
    expect(await settle([12], 300_000)).toEqual({ result: 12, waitedMs: 0, tries: 1, pauses: [] });
  });

  it('tries again after each pause until a result is fast, and no more', async () => {
    expect(await settle([664, 480, 131, 32, 10], 300_000)).toEqual({
      result: 32,
      waitedMs: 30_000,
      tries: 4,
      pauses: [10_000, 10_000, 10_000],
    });
  });

  it('stops at the budget, the last pause cut short, and returns the last result', async () => {
    expect(await settle([700, 699, 698, 697, 696, 12], 25_000)).toEqual({
      result: 697,
      waitedMs: 25_000,
      tries: 4,
      pauses: [10_000, 10_000, 5_000],
    });
  });

  it('tells onPause about each slow result before pausing after it', async () => {
    const timings = [664, 480, 32];
    const told: [number, number][] = [];
    await retryWhileSlow({
      attempt: () => timings.shift()!,
      isSlow: (micros) => micros > 50,
      budgetMs: 300_000,
      onPause: (micros, tries) => told.push([micros, tries]),
      sleep: async () => {},
    });
    expect(told).toEqual([
      [664, 1],
      [480, 2],
    ]);
  });

  it('never pauses with a budget of 0', async () => {
    expect(await settle([900, 12], 0)).toEqual({ result: 900, waitedMs: 0, tries: 1, pauses: [] });
  });
});
