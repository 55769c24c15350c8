// bench-server.mjs looks for a folder where creating files is fast before it
// measures, within --settle: it must stop as soon as one is, and never wait
// past the budget.
import { describe, expect, it } from 'vitest';
import { retryWhileSlow } from '../../../scripts/bench-settle.mjs';

/** A fake clock: `sleep` moves it forward, and records each pause. */
function clock() {
  let t = 1_000;
  const pauses: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      pauses.push(ms);
      t += ms;
    },
    pauses,
  };
}

describe('retryWhileSlow', () => {
  it('tries once when the first result is fast', async () => {
    const c = clock();
    const results = [12];
    const out = await retryWhileSlow({
      attempt: () => results.shift()!,
      isSlow: (us) => us > 50,
      budgetMs: 300_000,
      ...c,
    });
    expect(out).toEqual({ result: 12, waitedMs: 0, tries: 1 });
    expect(c.pauses).toEqual([]);
  });

  it('tries again after each pause until a result is fast', async () => {
    const c = clock();
    const results = [664, 480, 131, 32, 10];
    const out = await retryWhileSlow({
      attempt: () => results.shift()!,
      isSlow: (us) => us > 50,
      budgetMs: 300_000,
      ...c,
    });
    expect(out).toEqual({ result: 32, waitedMs: 30_000, tries: 4 });
    expect(c.pauses).toEqual([10_000, 10_000, 10_000]);
    expect(results).toEqual([10]);
  });

  it('stops at the budget, the last pause cut short, and returns the last result', async () => {
    const c = clock();
    let n = 0;
    const out = await retryWhileSlow({
      attempt: () => 700 - n++,
      isSlow: (us) => us > 50,
      budgetMs: 25_000,
      ...c,
    });
    expect(c.pauses).toEqual([10_000, 10_000, 5_000]);
    expect(out).toEqual({ result: 697, waitedMs: 25_000, tries: 4 });
  });

  it('never pauses with a budget of 0', async () => {
    const c = clock();
    const out = await retryWhileSlow({ attempt: () => 900, isSlow: (us) => us > 50, budgetMs: 0, ...c });
    expect(out).toEqual({ result: 900, waitedMs: 0, tries: 1 });
    expect(c.pauses).toEqual([]);
  });
});
