import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileConversationStore } from './conversation-store.js';
import { IdempotencyStore } from './idempotency-store.js';
import { JsonlAppender } from './jsonl-appender.js';
import { BUCKET_LINE_BYTES, bucketLine, FileBucketStore, TokenBucketRateLimiter } from './rate-limiter.js';
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
    ['user-1_A', 'user-1_A'],
    ['ü', '%C3%BC'],
  ])('%j becomes %j', (id, expected) => {
    expect(safeFileName(id)).toBe(expected);
  });

  it('keeps long ids unique and short', () => {
    const a = safeFileName('x'.repeat(500));
    const b = safeFileName(`${'x'.repeat(499)}y`);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
    // Up to 120 safe characters are kept as they are; one more and the id is cut and hashed.
    expect(safeFileName('x'.repeat(120))).toBe('x'.repeat(120));
    expect(safeFileName('x'.repeat(121))).toMatch(/^x{100}~[0-9a-f]{16}$/);
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

  it('names files as path.join would, whatever form its folder was given in', () => {
    for (const folder of [dir, `${dir}/`, `${dir}/./x/..`, 'rel/../ws', '']) {
      expect(new FileConversationStore(folder).fileFor('slack', 'U1/..')).toBe(
        path.join(folder, 'slack', 'U1%2F%2E%2E.jsonl'),
      );
    }
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
    // Written now, not by the store's timer a second later, after this test's folder is removed.
    await second.flush();
  });

  it('forgets buckets that have refilled, at most once a minute, and keeps the rest', async () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter({ capacity: 2, refillPerSecond: 1, now: () => now });
    for (let i = 0; i < 100; i++) await limiter.take(`t/c/u${i}`);
    expect(limiter.size).toBe(100);
    now = 59_000; // full again, but a minute has not passed since the last sweep
    await limiter.take('t/c/u0');
    expect(limiter.size).toBe(100);
    await limiter.take('t/c/u1');
    await limiter.take('t/c/u1'); // u1 is empty at 59 s
    now = 60_000;
    expect((await limiter.take('t/c/new')).allowed).toBe(true);
    // u0 (used at 59 s, 1 token + 1 s of refill) is full and goes; u1 (0 tokens + 1 s) is not.
    expect(limiter.size).toBe(2);
    expect(await limiter.take('t/c/u1')).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.take('t/c/u1')).allowed).toBe(false);
  });

  it('decides as if nothing was forgotten: a slow refill sweeps once per full refill', async () => {
    let now = 0;
    // Full refill takes 200 s, so sweeps are 200 s apart.
    const limiter = new TokenBucketRateLimiter({ capacity: 2, refillPerSecond: 0.01, now: () => now });
    await limiter.take('t/c/x');
    await limiter.take('t/c/x');
    now = 100_000;
    await limiter.take('t/c/y');
    await limiter.take('t/c/y');
    now = 200_000;
    await limiter.take('t/c/z'); // sweeps: x has refilled (0 + 200 s × 0.01), y has not
    expect(limiter.size).toBe(2);
    expect(await limiter.take('t/c/x')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.take('t/c/y')).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.take('t/c/y')).allowed).toBe(false);
  });

  it('keeps every bucket when nothing refills (a lifetime budget)', async () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter({ capacity: 1, refillPerSecond: 0, now: () => now });
    await limiter.take('t/c/a');
    now = 10 * 365 * 86_400_000;
    await limiter.take('t/c/b');
    expect(limiter.size).toBe(2);
    expect((await limiter.take('t/c/a')).allowed).toBe(false);
  });

  it('reloads a forgotten bucket from its store as full', async () => {
    let now = 0;
    const loaded: string[] = [];
    const store = new (class extends FileBucketStore {
      override load(key: string) {
        loaded.push(key);
        return super.load(key);
      }
    })(path.join(dir, 'rate_limits'));
    const limiter = new TokenBucketRateLimiter({ capacity: 3, refillPerSecond: 1, store, now: () => now });
    await limiter.take('t/c/u');
    await limiter.take('t/c/u');
    await limiter.flush();
    now = 120_000;
    await limiter.take('t/c/other'); // the sweep forgets t/c/u (1 token + 120 s)
    expect(limiter.size).toBe(1);
    expect(await limiter.take('t/c/u')).toMatchObject({ allowed: true, remaining: 2 });
    expect(limiter.size).toBe(2);
    // Read from the store again: its line (1 token at 0 s) refills to full by 120 s.
    expect(loaded).toEqual(['t/c/u', 't/c/other', 't/c/u']);
    await limiter.flush();
  });
});

describe('JsonlAppender', () => {
  it('keeps call order for a new file created in the background and for the appends queued behind it', async () => {
    const appender = new JsonlAppender();
    const file = path.join(dir, 'new/folder/lines.jsonl');
    const appends = Array.from({ length: 50 }, (_, i) => appender.append(file, { i }));
    await appender.drain();
    await Promise.all(appends);
    await appender.append(file, { i: 50 });
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  it('reports a file it cannot create, and creates it once it can', async () => {
    const appender = new JsonlAppender();
    await writeFile(path.join(dir, 'blocker'), 'a file where a folder should be');
    await expect(appender.append(path.join(dir, 'blocker/x.jsonl'), { a: 1 })).rejects.toThrow();
    await rm(path.join(dir, 'blocker'));
    await appender.append(path.join(dir, 'blocker/x.jsonl'), { a: 2 });
    expect(await readFile(path.join(dir, 'blocker/x.jsonl'), 'utf8')).toBe('{"a":2}\n');
  });
});

describe('FileBucketStore', () => {
  it('creates a bucket file once, then updates it in place, loads an unreadable one as a full bucket, and retries failed writes', async () => {
    const root = path.join(dir, 'rate_limits');
    const file = path.join(root, 't/c/u.json');
    const store = new FileBucketStore(root);
    store.save('t/c/u', { tokens: 1, updated_ms: 5 });
    await store.flush();
    const created = await stat(file);
    store.save('t/c/u', { tokens: 0.25, updated_ms: 1_764_489_600_123 });
    await store.flush();
    expect(await readdir(path.join(root, 't/c'))).toEqual(['u.json']);
    // The same file (no new one per flush), one fixed-width line.
    expect((await stat(file)).ino).toBe(created.ino);
    const text = await readFile(file, 'utf8');
    expect(Buffer.byteLength(text)).toBe(BUCKET_LINE_BYTES);
    expect(text).toBe(bucketLine({ tokens: 0.25, updated_ms: 1_764_489_600_123 }));
    expect(await store.load('t/c/u')).toEqual({ tokens: 0.25, updated_ms: 1_764_489_600_123 });
    // A longer file (an older version's, or written by hand) is cut to the new line.
    await writeFile(file, `{"tokens":3,"updated_ms":9}${' '.repeat(200)}\n{"junk":true}\n`);
    store.save('t/c/u', { tokens: 2, updated_ms: 10 });
    await store.flush();
    expect(await readFile(file, 'utf8')).toBe(bucketLine({ tokens: 2, updated_ms: 10 }));
    // A file that does not parse (written by hand, or lost in a machine crash): that user starts full.
    await writeFile(file, '');
    expect(await store.load('t/c/u')).toBeUndefined();
    const limiter = new TokenBucketRateLimiter({ capacity: 2, refillPerSecond: 0, store, now: () => 0 });
    expect((await limiter.take('t/c/u')).remaining).toBe(1);
    // A folder where a bucket file should be: that write fails, is reported and stays queued.
    await mkdir(path.join(root, 't/c/blocked.json'), { recursive: true });
    store.save('t/c/blocked', { tokens: 1, updated_ms: 7 });
    await expect(store.flush()).rejects.toThrow();
    await rm(path.join(root, 't/c/blocked.json'), { recursive: true });
    await store.flush();
    expect(await store.load('t/c/blocked')).toEqual({ tokens: 1, updated_ms: 7 });
  });

  it('flushes many buckets in chunks, letting other work run in between', async () => {
    const store = new FileBucketStore(path.join(dir, 'rate_limits'));
    for (let i = 0; i < 100; i++) store.save(`t/c/u${i}`, { tokens: i, updated_ms: i });
    await store.flush();
    for (let i = 0; i < 100; i++) store.save(`t/c/u${i}`, { tokens: i + 1, updated_ms: i });
    // The updates are synchronous: without chunks, the flush would finish before anything else ran.
    const order: string[] = [];
    const flushing = store.flush().then(() => order.push('flushed'));
    setImmediate(() => order.push('other work'));
    await flushing;
    expect(order).toEqual(['other work', 'flushed']);
    expect(await store.load('t/c/u99')).toEqual({ tokens: 100, updated_ms: 99 });
    expect(await store.load('t/c/u0')).toEqual({ tokens: 1, updated_ms: 0 });
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

  it('keeps first results in its file across a restart, but not failures', async () => {
    const file = path.join(dir, 'deliveries.jsonl');
    const first = new IdempotencyStore<{ n: number }>({ file });
    expect(await first.once('k', async () => ({ n: 1 }))).toEqual({ result: { n: 1 }, duplicate: false });
    await expect(first.once('bad', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const restarted = new IdempotencyStore<{ n: number }>({ file });
    let runs = 0;
    const work = async () => ({ n: 10 + ++runs });
    expect(await restarted.once('k', work)).toEqual({ result: { n: 1 }, duplicate: true });
    expect(await restarted.once('bad', work)).toEqual({ result: { n: 11 }, duplicate: false });
    expect(runs).toBe(1);
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toEqual([
      '{"key":"k","result":{"n":1}}',
      '{"key":"bad","result":{"n":11}}',
    ]);
  });

  it('skips a torn last line and stays bounded, forgetting the oldest keys first', async () => {
    const file = path.join(dir, 'deliveries.jsonl');
    await writeFile(file, '{"key":"a","result":1}\n{"key":"b","resu');
    const store = new IdempotencyStore<number>({ file, capacity: 3 });
    expect(await store.once('a', async () => 99)).toEqual({ result: 1, duplicate: true });
    expect(await store.once('b', async () => 2)).toEqual({ result: 2, duplicate: false });
    for (let i = 0; i < 10; i++) await store.once(`k${i}`, async () => i);
    const kept = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(kept.length).toBeLessThanOrEqual(6);
    const restarted = new IdempotencyStore<number>({ file, capacity: 3 });
    expect(await restarted.once('k9', async () => -1)).toEqual({ result: 9, duplicate: true });
    expect(await restarted.once('k7', async () => -1)).toEqual({ result: 7, duplicate: true });
    expect(await restarted.once('k0', async () => -1)).toEqual({ result: -1, duplicate: false });
    expect(await readdir(dir)).toEqual(['deliveries.jsonl']);
  });
});
