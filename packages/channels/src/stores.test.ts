import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileConversationStore } from './conversation-store.js';
import { IdempotencyStore } from './idempotency-store.js';
import { FileBucketStore, TokenBucketRateLimiter } from './rate-limiter.js';
import { safeFileName } from './safe-file-name.js';

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-channels-')));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('safeFileName', () => {
  it.each([
    ['../../etc/passwd', '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd'],
    ['.hidden', '%2Ehidden'],
    ['T1:U1', 'T1%3AU1'],
    ['', '%00empty'],
  ])('%j becomes %j', (id, expected) => {
    expect(safeFileName(id)).toBe(expected);
  });

  it('keeps long ids unique and short', () => {
    const a = safeFileName('x'.repeat(500));
    const b = safeFileName(`${'x'.repeat(499)}y`);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
  });
});

describe('FileConversationStore', () => {
  it('never loses or interleaves lines under concurrent appends, and never leaves its folder', async () => {
    const store = new FileConversationStore(dir);
    const line = (i: number, user: string) => ({
      received_at: `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
      channel: 'generic',
      user_id: user,
      conversation_id: user,
      message_id: null,
      text: `message ${i} ${'y'.repeat(i * 37)}`,
      status: 'ok' as const,
      hash: null,
    });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.append(line(i, i % 2 ? '../../evil' : 'alice'))),
    );
    await store.drain();
    expect((await readdir(path.join(dir, 'generic'))).sort()).toEqual([
      '%2E%2E%2F%2E%2E%2Fevil.jsonl',
      'alice.jsonl',
    ]);
    const lines = (await readFile(path.join(dir, 'generic/alice.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(100);
    const texts = lines.map((l) => (JSON.parse(l) as { text: string }).text.split(' ')[1]);
    expect(new Set(texts).size).toBe(100);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('allows capacity requests, then refills per second', async () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter({ capacity: 3, refillPerSecond: 1, now: () => now });
    const results = await Promise.all(Array.from({ length: 5 }, () => limiter.take('t/c/u')));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[4]!.retry_after_s).toBe(1);
    now = 1000;
    expect((await limiter.take('t/c/u')).allowed).toBe(true);
    expect((await limiter.take('t/c/other')).allowed).toBe(true);
  });

  it('persists buckets so a restart keeps the limit', async () => {
    const store = new FileBucketStore(path.join(dir, 'rate_limits'));
    const first = new TokenBucketRateLimiter({ capacity: 2, refillPerSecond: 0, store, now: () => 0 });
    await first.take('t/c/u');
    await first.take('t/c/u');
    await first.flush();
    const second = new TokenBucketRateLimiter({
      capacity: 2,
      refillPerSecond: 0,
      store: new FileBucketStore(path.join(dir, 'rate_limits')),
      now: () => 0,
    });
    expect((await second.take('t/c/u')).allowed).toBe(false);
  });
});

describe('IdempotencyStore', () => {
  it('runs once per key and hands duplicates the first result', async () => {
    const store = new IdempotencyStore<number>();
    let runs = 0;
    const work = async () => ++runs;
    const [a, b] = await Promise.all([store.once('k', work), store.once('k', work)]);
    expect([a.result, b.result]).toEqual([1, 1]);
    expect([a.duplicate, b.duplicate]).toEqual([false, true]);
    expect(store.duplicates).toBe(1);
    expect((await store.once(null, work)).result).toBe(2);
  });
});
