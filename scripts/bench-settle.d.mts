// Types for bench-settle.mjs (the tests import it).
export function retryWhileSlow<T>(options: {
  attempt(): T;
  isSlow(result: T): boolean;
  budgetMs: number;
  pauseMs?: number;
  onPause?(result: T, tries: number): void;
  sleep?(ms: number): Promise<void>;
  now?(): number;
}): Promise<{ result: T; waitedMs: number; tries: number }>;
