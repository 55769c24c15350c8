// Waiting out a slow file system, within a time budget (bench-server.mjs).

/**
 * Calls `attempt()` (for bench-server: make a new workspace folder and time
 * creating files in it) until `isSlow(result)` is false or `budgetMs` is
 * spent, pausing `pauseMs` between tries (never past the budget). Returns
 * the last result and how long it took. With a budget of 0 it tries once.
 * `onPause(result, tries)` is called before each pause (for a message);
 * `sleep` and `now` are for tests.
 */
export async function retryWhileSlow({
  attempt,
  isSlow,
  budgetMs,
  pauseMs = 10_000,
  onPause = () => {},
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now = Date.now,
}) {
  const started = now();
  let result = attempt();
  let tries = 1;
  while (isSlow(result) && now() - started < budgetMs) {
    onPause(result, tries);
    await sleep(Math.min(pauseMs, budgetMs - (now() - started)));
    result = attempt();
    tries++;
  }
  return { result, waitedMs: now() - started, tries };
}
