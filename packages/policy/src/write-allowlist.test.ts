import { describe, expect, it } from 'vitest';
import { isWriteAllowed } from './write-allowlist.js';

describe('isWriteAllowed', () => {
  const allowlist = ['.sdetkit/agent/workdir', 'reports/'];

  it('allows the folder itself and paths below it', () => {
    expect(isWriteAllowed('.sdetkit/agent/workdir/a.txt', allowlist)).toBe(true);
    expect(isWriteAllowed('./reports/x/y.md', allowlist)).toBe(true);
  });

  it('matches whole path segments, not string prefixes', () => {
    expect(isWriteAllowed('.sdetkit/agent/workdir-evil/a.txt', allowlist)).toBe(false);
  });

  it('normalizes before matching so `..` cannot climb out of an allowed folder', () => {
    expect(isWriteAllowed('reports/../src/index.ts', allowlist)).toBe(false);
  });
});
