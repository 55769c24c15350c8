import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import type { Provider, ProviderCacheReport, ProviderRequest, ProviderResponse } from './provider.js';

const cacheEntrySchema = z.object({
  key: z.string(),
  request: z.unknown(),
  response: z.object({ text: z.string(), plan: z.unknown(), usage: z.unknown().optional() }),
});

/** Keys already worked out, by request object (requests are built once and never changed). */
const keysOfRequests = new WeakMap<ProviderRequest, string>();

/**
 * The cache key of a request: sha256 of its canonical JSON. Worked out once
 * per request object: a run's recorder and the cached provider both ask.
 */
export function providerCacheKey(request: ProviderRequest): string {
  let key = keysOfRequests.get(request);
  if (key === undefined) {
    key = canonicalHash(request);
    keysOfRequests.set(request, key);
  }
  return key;
}

export interface CachedProvider extends Provider {
  /** What `report().enabled` says, without building a report (runs read it every time). */
  readonly enabled?: boolean;
  report(): ProviderCacheReport;
}

/**
 * A report lists at most this many keys, the most recent distinct ones: a
 * server's provider lives for months, and runs record their own keys.
 */
export const REPORTED_KEYS_LIMIT = 1000;

/**
 * Wraps a provider with an on-disk response cache (`<cacheDir>/<key>.json`).
 * A corrupt or foreign cache file is treated as a miss and overwritten.
 * With `enabled: false`, or for a deterministic provider (`none`, whose
 * answer a replay recomputes identically), every request goes to the inner
 * provider and nothing is read or written, but keys are still reported so
 * records stay comparable.
 */
export function createCachedProvider(
  inner: Provider,
  options: { cacheDir: string; enabled: boolean },
): CachedProvider {
  const keys = new Set<string>();
  let hits = 0;
  let misses = 0;
  return {
    id: inner.id,
    enabled: options.enabled,
    async complete(request: ProviderRequest): Promise<ProviderResponse> {
      const key = providerCacheKey(request);
      if (!keys.has(key)) {
        keys.add(key);
        if (keys.size > REPORTED_KEYS_LIMIT) keys.delete(keys.values().next().value as string);
      }
      if (!options.enabled || inner.deterministic) return inner.complete(request);
      const file = path.join(options.cacheDir, `${key}.json`);
      const cached = await readFile(file, 'utf8')
        .then((text) => cacheEntrySchema.safeParse(JSON.parse(text)))
        .catch(() => undefined);
      if (cached?.success && cached.data.key === key) {
        hits++;
        return cached.data.response as ProviderResponse;
      }
      misses++;
      const response = await inner.complete(request);
      await writeFileAtomic(file, `${canonicalJson({ key, request, response })}\n`);
      return response;
    },
    report() {
      return { enabled: options.enabled, keys: [...keys], hits, misses };
    },
  };
}
