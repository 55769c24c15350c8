import { readFileSync } from 'node:fs';
import { Module } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

// The build writes a V8 code cache for each bundle the CLI loads at start-up
// (scripts/build-code-cache.mjs). A missing or stale cache still works, only
// slower, so nothing else would notice: this checks that V8 accepts them.
const dist = (name: string) => fileURLToPath(new URL(`../dist/${name}`, import.meta.url));

describe('code caches', () => {
  for (const [bundle, cache] of [
    ['cli.cjs', 'cli.cjs.v8cache'],
    ['commands.cjs', 'commands.cjs.core.v8cache'],
    ['commands.cjs', 'commands.cjs.full.v8cache'],
  ] as const) {
    it(`${cache} is accepted for ${bundle}`, () => {
      const script = new vm.Script(Module.wrap(readFileSync(dist(bundle), 'utf8')), {
        filename: dist(bundle),
        cachedData: readFileSync(dist(cache)),
      });
      expect(script.cachedDataRejected).toBe(false);
    });
  }
});
