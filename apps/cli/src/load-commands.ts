import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_CACHE_SUFFIX, loadBundle } from './bundle-loader.js';

export type Commands = typeof import('./commands/index.js');

/** File names next to the built entry points. */
export const COMMANDS_BUNDLE = 'commands.cjs';
export const CLI_BUNDLE = 'cli.cjs';
/**
 * Two caches of the command bundle: `core` is warmed by the everyday
 * commands (init, an explicit-action run, history, doctor) and stays small,
 * so it deserializes fast; `full` is warmed by every command.
 */
export type CacheProfile = 'core' | 'full';
export function cacheFile(bundle: string, profile?: CacheProfile): string {
  return profile === undefined ? `${bundle}${CODE_CACHE_SUFFIX}` : `${bundle}.${profile}${CODE_CACHE_SUFFIX}`;
}

/**
 * The cache for `agent run <task>`: an explicit `action <id> ...` of a
 * built-in action runs on the core alone; other tasks may plan with every
 * action package, which the full cache holds.
 */
export function runCacheProfile(task: string): CacheProfile {
  return /^\s*action\s/.test(task) ? 'core' : 'full';
}

/** The folder of the built bundles (this code runs from one of them). */
export function distDir(): string {
  return path.dirname(fileURLToPath(import.meta.url));
}

/** Loads the command implementations (dist/commands.cjs) with a code cache. */
export function loadCommands(profile: CacheProfile = 'full'): Commands {
  const bundle = path.join(distDir(), COMMANDS_BUNDLE);
  return loadBundle<Commands>(bundle, cacheFile(bundle, profile));
}
