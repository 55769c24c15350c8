/** What every command returns: one JSON value for stdout and the exit code. */
export interface CommandResult {
  output: unknown;
  exitCode: number;
  /** One-line warnings for stderr (e.g. skipped history files). */
  warnings?: string[];
}
