import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@sdetkit/core-runs';
import { safeFileName } from './safe-file-name.js';

export interface Bucket {
  tokens: number;
  /** Milliseconds since the epoch of the last refill. */
  updated_ms: number;
}

/** Where buckets live; a shared store (Redis, a database) can implement this later. */
export interface BucketStore {
  load(key: string): Promise<Bucket | undefined>;
  save(key: string, bucket: Bucket): void;
  flush(): Promise<void>;
}

export interface RateDecision {
  allowed: boolean;
  /** Tokens left after this request. */
  remaining: number;
  capacity: number;
  /** Seconds until a token is available when not allowed. */
  retry_after_s: number;
}

/**
 * A token bucket per tenant + channel + user: `capacity` tokens, refilled at
 * `refillPerSecond`. Decisions are made in memory (one key at a time, so
 * concurrent requests of one user cannot overspend); the store persists them.
 *
 * A bucket that has refilled to capacity is the same as no bucket, so such
 * buckets leave memory (at most once a minute, or once per full refill if
 * that is longer): a server that runs for months holds the users of its last
 * few minutes, not everyone it ever saw. With a refill of 0 (a lifetime
 * budget) every bucket is kept.
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly sweepEveryMs: number;
  private nextSweepMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: {
      capacity: number;
      refillPerSecond: number;
      store?: BucketStore;
      now?: () => number;
    },
  ) {
    const fullRefillMs = (options.capacity / options.refillPerSecond) * 1000;
    this.sweepEveryMs = Math.max(60_000, fullRefillMs);
  }

  /** Buckets held in memory now. */
  get size(): number {
    return this.buckets.size;
  }

  async take(key: string): Promise<RateDecision> {
    const { capacity, refillPerSecond } = this.options;
    this.dropRefilled(this.now());
    let bucket = this.buckets.get(key);
    if (!bucket) {
      let pending = this.loading.get(key);
      if (!pending) {
        pending = (async () => {
          const stored = await this.options.store?.load(key);
          if (!this.buckets.has(key))
            this.buckets.set(key, stored ?? { tokens: capacity, updated_ms: this.now() });
        })();
        this.loading.set(key, pending);
      }
      await pending;
      this.loading.delete(key);
      bucket = this.buckets.get(key);
      if (!bucket) {
        // Dropped meanwhile by another request's sweep: it was full.
        bucket = { tokens: capacity, updated_ms: this.now() };
        this.buckets.set(key, bucket);
      }
    }
    const now = this.now();
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updated_ms) / 1000) * refillPerSecond);
    bucket.updated_ms = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.options.store?.save(key, { ...bucket });
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      capacity,
      retry_after_s: allowed || refillPerSecond <= 0 ? 0 : Math.ceil((1 - bucket.tokens) / refillPerSecond),
    };
  }

  /**
   * Forgets the buckets that are full by now. Lossless: a forgotten bucket
   * comes back full, and its stored state, however old, refills to full too
   * (an older state has had at least as many tokens, and more time).
   */
  private dropRefilled(now: number): void {
    const { capacity, refillPerSecond } = this.options;
    if (refillPerSecond <= 0 || now < this.nextSweepMs) return;
    this.nextSweepMs = now + this.sweepEveryMs;
    for (const [key, bucket] of this.buckets)
      if (bucket.tokens + ((now - bucket.updated_ms) / 1000) * refillPerSecond >= capacity)
        this.buckets.delete(key);
  }

  flush(): Promise<void> {
    return this.options.store?.flush() ?? Promise.resolve();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/** Bucket files are one line of this many bytes (JSON padded with spaces), so an update never changes their size. */
export const BUCKET_LINE_BYTES = 96;

/** Files updated between two yields to other requests during a flush (~10 µs each). */
const FLUSH_CHUNK = 32;

/**
 * Buckets as JSON files under `rate_limits/` (one per key), written behind
 * the decisions: dirty buckets are flushed on an interval and on shutdown.
 * A bucket's file is created once, atomically (temp file, rename); later
 * flushes overwrite its single fixed-width line in place with one write.
 * No file is created or freed per flush: with 1,000 users, a new file per
 * bucket every second cost more than the runs themselves on file systems
 * that avoid reusing just-freed inodes (ext4 without a journal). Nothing is
 * fsynced: rate limits are not records. A killed process cannot tear a
 * single write; after a machine crash a bucket may be a second old, or read
 * as unparseable, which counts as missing (a full bucket).
 */
export class FileBucketStore implements BucketStore {
  private readonly dirty = new Map<string, Bucket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly intervalMs = 1000,
  ) {}

  private file(key: string): string {
    return `${path.join(this.dir, ...key.split('/').map(safeFileName))}.json`;
  }

  async load(key: string): Promise<Bucket | undefined> {
    try {
      const data = JSON.parse(await readFile(this.file(key), 'utf8')) as Bucket;
      return typeof data.tokens === 'number' && typeof data.updated_ms === 'number' ? data : undefined;
    } catch {
      return undefined;
    }
  }

  save(key: string, bucket: Bucket): void {
    this.dirty.set(key, bucket);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => {});
    }, this.intervalMs).unref();
  }

  async flush(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    let failure: unknown;
    for (const [i, [key, bucket]] of batch.entries()) {
      // Updates are synchronous (a few microseconds each); requests get their turn between chunks.
      if (i > 0 && i % FLUSH_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
      const file = this.file(key);
      const line = bucketLine(bucket);
      try {
        if (!overwriteInPlace(file, line)) await writeFileAtomic(file, line, { durable: false });
      } catch (error) {
        // Kept for the next flush; the other buckets are still written.
        if (!this.dirty.has(key)) this.dirty.set(key, bucket);
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** A bucket's file content: its JSON, padded with spaces to `BUCKET_LINE_BYTES` including the newline. */
export function bucketLine(bucket: Bucket): string {
  const json = JSON.stringify({ tokens: bucket.tokens, updated_ms: bucket.updated_ms });
  return `${json.padEnd(BUCKET_LINE_BYTES - 1)}\n`;
}

/**
 * Replaces an existing file's content with `line` by one write at offset 0
 * (then cuts off anything longer left by an older version); false when the
 * file does not exist yet.
 */
function overwriteInPlace(file: string, line: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    writeSync(fd, line, 0);
    ftruncateSync(fd, Buffer.byteLength(line));
  } finally {
    closeSync(fd);
  }
  return true;
}
