import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export type Commands = typeof import('./commands/index.js');

/** File names next to the built entry point. */
export const COMMANDS_BUNDLE = 'commands.cjs';
export const CODE_CACHE_SUFFIX = '.v8cache';
/**
 * Two caches of the same bundle: `core` is warmed by the everyday commands
 * (init, run, history, doctor) and stays small, so it deserializes fast;
 * `full` is warmed by every command.
 */
export type CacheProfile = 'core' | 'full';
export function cacheFile(bundle: string, profile: CacheProfile): string {
  return `${bundle}.${profile}${CODE_CACHE_SUFFIX}`;
}

/**
 * Loads the command bundle with V8's code cache (written at build time by
 * scripts/build-code-cache.mjs), which halves its start-up cost. A cache
 * from another Node.js or V8 build is rejected by V8 and simply ignored.
 * Code in the bundle must not use `import()` (a vm script has no module
 * loader); it loads built-ins lazily with `process.getBuiltinModule`.
 */
export function loadCommands(
  profile: CacheProfile = 'full',
  bundle = fileURLToPath(new URL(`./${COMMANDS_BUNDLE}`, import.meta.url)),
): Commands {
  const source = readFileSync(bundle, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile(bundle, profile));
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Commands };
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  return module.exports;
}

/**
 * Compiles and runs the bundle, lets `warmUp` exercise its commands so the
 * functions a typical run needs get compiled too, then returns V8's code
 * cache for all of it.
 */
export async function createCodeCache(
  bundle: string,
  warmUp: (commands: Commands) => Promise<void>,
): Promise<Buffer> {
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Commands };
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  await warmUp(module.exports);
  return script.createCachedData();
}
