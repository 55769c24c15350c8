import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { PolicyDeniedError } from './errors.js';

export interface ResolvedWorkspacePath {
  /** Absolute path on this machine; never stored in a record. */
  absolute: string;
  /** Normalized POSIX path relative to the workspace root (`.` for the root). */
  relative: string;
}

/**
 * Normalizes a workspace-relative path without touching the disk. Refuses
 * absolute paths, NUL bytes and `..` escapes.
 */
export function normalizeWorkspacePath(input: string): string {
  if (typeof input !== 'string' || input.length === 0)
    throw new PolicyDeniedError('path is empty', String(input));
  if (input.includes('\0'))
    throw new PolicyDeniedError('path contains a NUL byte', input.replaceAll('\0', '\\0'));
  if (path.posix.isAbsolute(input) || path.win32.isAbsolute(input)) {
    throw new PolicyDeniedError(`path escapes the workspace (absolute path): ${input}`, input);
  }
  const normalized = path.posix.normalize(input.replaceAll('\\', '/'));
  if (normalized === '..' || normalized.startsWith('../')) {
    throw new PolicyDeniedError(`path escapes the workspace: ${input}`, input);
  }
  return normalized.replace(/\/+$/, '') || '.';
}

/**
 * Resolves a workspace-relative path to an absolute one, refusing anything
 * that would leave the workspace: absolute paths, `..`, and symlinks (the
 * target itself or any parent folder) whose real location is outside it.
 * Segments that do not exist yet are fine: they will be created inside.
 */
export async function resolveWorkspacePath(
  workspaceRoot: string,
  input: string,
): Promise<ResolvedWorkspacePath> {
  const relative = normalizeWorkspacePath(input);
  const rootReal = await realpath(workspaceRoot);
  let current = rootReal;
  const segments = relative === '.' ? [] : relative.split('/');
  for (const [index, segment] of segments.entries()) {
    const next = path.join(current, segment);
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { absolute: path.join(next, ...segments.slice(index + 1)), relative };
      }
      throw error;
    }
    if (stats.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(next);
      } catch {
        throw new PolicyDeniedError(`path goes through a dangling symlink: ${input}`, input);
      }
      if (!isInside(rootReal, target)) {
        throw new PolicyDeniedError(`path escapes the workspace through a symlink: ${input}`, input);
      }
      current = target;
    } else {
      current = next;
    }
  }
  return { absolute: current, relative };
}

/** Whether `candidate` is `root` or below it (a name such as `..notes` inside it counts). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
