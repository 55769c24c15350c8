import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export const CODE_CACHE_SUFFIX = '.v8cache';

/**
 * Runs a CommonJS bundle through `vm.Script` with V8's code cache from
 * `cacheFile` (written at build time by scripts/build-code-cache.mjs), which
 * skips parsing and compiling what the cache holds. A missing cache, or one
 * from another Node.js or V8 build (V8 rejects it), just means compiling as
 * usual. Code in a bundle must not use `import()`: a vm script has no module
 * loader.
 */
export function loadBundle<T>(bundle: string, cacheFile?: string): T {
  return run<T>(bundle, compile(bundle, cacheFile));
}

/**
 * Compiles and runs `bundle`, lets `warmUp` exercise it so the functions a
 * typical command needs get compiled too, then returns V8's code cache for
 * all of it.
 */
export async function createBundleCache<T>(
  bundle: string,
  warmUp: (exports: T) => Promise<void>,
): Promise<Buffer> {
  const script = compile(bundle);
  await warmUp(run<T>(bundle, script));
  return script.createCachedData();
}

function compile(bundle: string, cacheFile?: string): vm.Script {
  let cachedData: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  return new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
}

/** What Node's CommonJS loader does with a wrapped module. */
function run<T>(bundle: string, script: vm.Script): T {
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as T };
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  return module.exports;
}
