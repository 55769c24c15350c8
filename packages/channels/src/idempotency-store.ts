/**
 * Remembers deliveries by key so a retry (Slack `X-Slack-Retry-Num`, a
 * repeated Telegram `update_id`, a generic `Idempotency-Key`) gets the first
 * delivery's result instead of starting a second run. Bounded: the oldest
 * keys are forgotten first.
 */
export class IdempotencyStore<T> {
  private readonly results = new Map<string, Promise<T>>();
  duplicates = 0;

  constructor(private readonly capacity = 10_000) {}

  /** Runs `work` once per key; a repeated key waits for and returns the first result. */
  async once(key: string | null, work: () => Promise<T>): Promise<{ result: T; duplicate: boolean }> {
    if (key === null) return { result: await work(), duplicate: false };
    const existing = this.results.get(key);
    if (existing) {
      this.duplicates++;
      return { result: await existing, duplicate: true };
    }
    const pending = work();
    this.results.set(key, pending);
    if (this.results.size > this.capacity) this.results.delete(this.results.keys().next().value as string);
    // A failed first delivery may be retried.
    pending.catch(() => this.results.delete(key));
    return { result: await pending, duplicate: false };
  }
}
