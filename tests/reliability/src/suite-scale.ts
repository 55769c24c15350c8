/**
 * How hard the suites push. CI runs the bounded form; set
 * `SDETKIT_RELIABILITY_FULL=1` (or `pnpm --filter @sdetkit/reliability-suite
 * test:full`) for the full-length one.
 */
export const FULL_RUN = process.env.SDETKIT_RELIABILITY_FULL === '1';

/** `bounded` in CI, `full` under SDETKIT_RELIABILITY_FULL=1. */
export function scaled(bounded: number, full: number): number {
  return FULL_RUN ? full : bounded;
}

/**
 * Seed for every random choice the suites make (kill delays, fast-check).
 * Fixed unless SDETKIT_RELIABILITY_SEED is set, so a failure reproduces.
 */
export const SUITE_SEED = Number(process.env.SDETKIT_RELIABILITY_SEED ?? 20261130);
