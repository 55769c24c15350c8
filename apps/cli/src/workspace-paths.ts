import { PolicyDeniedError, type ResolvedWorkspacePath, resolveWorkspacePath } from '@sdetkit/policy';
import { UsageError } from './exit-codes.js';

/**
 * Resolves a path flag against the workspace root (the current directory).
 * A path that escapes the workspace is a usage error naming the flag.
 */
export async function resolveFlagPath(flag: string, value: string): Promise<ResolvedWorkspacePath> {
  try {
    return await resolveWorkspacePath(process.cwd(), value);
  } catch (error) {
    if (error instanceof PolicyDeniedError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}
