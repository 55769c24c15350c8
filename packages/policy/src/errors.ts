/**
 * Errors are values with a stable code. Apps map codes to exit statuses and
 * HTTP statuses in one place; the message already names the offending
 * file, line, field or flag.
 */
export type SdetkitErrorCode = 'validation' | 'policy_denied' | 'not_found' | 'conflict' | 'io';

export class SdetkitError extends Error {
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

export function isSdetkitError(error: unknown): error is SdetkitError {
  return error instanceof SdetkitError;
}
