import { describe, expect, it } from 'vitest';
import { cacheFile, runCacheProfile } from './load-commands.js';

describe('code cache choice', () => {
  it('explicit action runs use the small core cache, other tasks the full one', () => {
    expect(runCacheProfile('action fs.write {"path":"a","content":"x"}')).toBe('core');
    expect(runCacheProfile('  action\tshell.run {}')).toBe('core');
    expect(runCacheProfile('write a file for me')).toBe('full');
    expect(runCacheProfile('template:release-readiness')).toBe('full');
    expect(runCacheProfile('actions please')).toBe('full');
  });

  it('names cache files next to their bundle', () => {
    expect(cacheFile('/d/commands.cjs', 'core')).toBe('/d/commands.cjs.core.v8cache');
    expect(cacheFile('/d/cli.cjs')).toBe('/d/cli.cjs.v8cache');
  });
});
