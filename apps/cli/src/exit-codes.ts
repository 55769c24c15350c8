import { isSdetkitError, ValidationError } from '@sdetkit/policy/errors';

/** CLI exit codes (CONTRACT.md): 0 success, 1 the work ran but failed, 2 usage or validation error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Thrown by commands for bad flags; mapped to exit 2 with `agent error: `. */
export class UsageError extends ValidationError {}

/** One line for stderr, starting `agent error: `; never a stack trace. */
export function formatCliError(error: unknown): string {
  if (isSdetkitError(error)) return `agent error: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `agent error: unexpected failure: ${message.split('\n')[0]}`;
}
