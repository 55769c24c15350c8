import { normalizeWorkspacePath } from './path-guard.js';

/**
 * True when `relativePath` equals an allowlisted folder or lies below it.
 * Matching is on whole path segments: `.sdetkit/agent/workdir` allows
 * `.sdetkit/agent/workdir/a.txt` but not `.sdetkit/agent/workdir-evil/a.txt`.
 */
export function isWriteAllowed(relativePath: string, allowlist: readonly string[]): boolean {
  const target = normalizeWorkspacePath(relativePath);
  return allowlist.some((entry) => isWithinPrefix(target, normalizeWorkspacePath(entry)));
}

export function isWithinPrefix(target: string, prefix: string): boolean {
  if (prefix === '.') return true;
  return target === prefix || target.startsWith(`${prefix}/`);
}
