import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCachedProvider, providerCacheKey, REPORTED_KEYS_LIMIT } from './cached-provider.js';
import type { Provider, ProviderRequest } from './provider.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
beforeEach(async () => {
  ws = await createTempWorkspace();
});
afterEach(() => ws.cleanup());

const request: ProviderRequest = {
  kind: 'plan',
  provider: 'count',
  model: 'm',
  task: 't',
  actions: ['fs.read'],
};

function countingProvider(): Provider & { calls: number } {
  const provider = {
    id: 'count',
    calls: 0,
    async complete() {
      provider.calls++;
      return { text: `call ${provider.calls}`, plan: null };
    },
  };
  return provider;
}

describe('createCachedProvider', () => {
  it('serves a repeated request from the cache keyed by the canonical request hash', async () => {
    const inner = countingProvider();
    const cacheDir = path.join(ws.root, 'cache');
    const first = createCachedProvider(inner, { cacheDir, enabled: true });
    expect((await first.complete(request)).text).toBe('call 1');
    const second = createCachedProvider(inner, { cacheDir, enabled: true });
    expect((await second.complete({ ...request })).text).toBe('call 1');
    expect(inner.calls).toBe(1);
    expect(second.report()).toEqual({ enabled: true, keys: [providerCacheKey(request)], hits: 1, misses: 0 });
    expect(await readdir(cacheDir)).toEqual([`${providerCacheKey(request)}.json`]);
  });

  it('with the cache disabled calls the provider every time and writes nothing', async () => {
    const inner = countingProvider();
    const cacheDir = path.join(ws.root, 'cache');
    const provider = createCachedProvider(inner, { cacheDir, enabled: false });
    await provider.complete(request);
    await provider.complete(request);
    expect(inner.calls).toBe(2);
    await expect(readdir(cacheDir)).rejects.toThrow();
  });

  it('never reads or writes the cache for a deterministic provider (none), but reports its keys', async () => {
    const inner = Object.assign(countingProvider(), { deterministic: true });
    const cacheDir = path.join(ws.root, 'cache');
    const provider = createCachedProvider(inner, { cacheDir, enabled: true });
    await provider.complete(request);
    await provider.complete(request);
    expect(inner.calls).toBe(2);
    expect(provider.report()).toEqual({
      enabled: true,
      keys: [providerCacheKey(request)],
      hits: 0,
      misses: 0,
    });
    await expect(readdir(cacheDir)).rejects.toThrow();
  });

  it('reports at most the most recent REPORTED_KEYS_LIMIT distinct keys (a server provider lives long)', async () => {
    const provider = createCachedProvider(countingProvider(), {
      cacheDir: path.join(ws.root, 'cache'),
      enabled: false,
    });
    const requests = Array.from({ length: REPORTED_KEYS_LIMIT + 5 }, (_, i) => ({
      ...request,
      task: `t${i}`,
    }));
    for (const r of requests) await provider.complete(r);
    await provider.complete(requests.at(-1)!);
    const { keys } = provider.report();
    expect(keys).toHaveLength(REPORTED_KEYS_LIMIT);
    expect(keys[0]).toBe(providerCacheKey(requests[5]!));
    expect(keys.at(-1)).toBe(providerCacheKey(requests.at(-1)!));
    expect(provider.enabled).toBe(false);
  });

  it('treats a corrupt cache file as a miss and repairs it', async () => {
    const inner = countingProvider();
    const cacheDir = path.join(ws.root, 'cache');
    await createCachedProvider(inner, { cacheDir, enabled: true }).complete(request);
    await writeFile(path.join(cacheDir, `${providerCacheKey(request)}.json`), '{broken', 'utf8');
    const provider = createCachedProvider(inner, { cacheDir, enabled: true });
    expect((await provider.complete(request)).text).toBe('call 2');
    expect(provider.report().misses).toBe(1);
  });
});
