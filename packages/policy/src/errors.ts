/**
 * Errors are values with a stable code. Apps map codes to exit statuses and
 * HTTP statuses in one place; the message already names the offending
 * file, line, field or flag.
 */
export type SdetkitErrorCode = 'validation' | 'policy_denied' | 'not_found' | 'conflict' | 'io';

/** Brand shared by every copy of this module (bundles may hold several). */
const SDETKIT_ERROR = Symbol.for('sdetkit.error');

export class SdetkitError extends Error {
  readonly [SDETKIT_ERROR] = true;
  readonly code: SdetkitErrorCode;
  /** Workspace-relative file, config field or flag the error is about, when known. */
  readonly subject: string | undefined;

  constructor(code: SdetkitErrorCode, message: string, subject?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.subject = subject;
  }
}

/** Bad input: a file, field or flag that does not match its schema. */
export class ValidationError extends SdetkitError {
  constructor(message: string, subject?: string) {
    super('validation', message, subject);
  }
}

/** An action refused by policy (path guard, allowlist or approval gate). */
export class PolicyDeniedError extends SdetkitError {
  constructor(message: string, subject?: string) {
    super('policy_denied', message, subject);
  }
}

export class NotFoundError extends SdetkitError {
  constructor(message: string, subject?: string) {
    super('not_found', message, subject);
  }
}

/** Works across bundles: checks the brand, not the class identity. */
export function isSdetkitError(error: unknown): error is SdetkitError {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[SDETKIT_ERROR] === true
  );
}
