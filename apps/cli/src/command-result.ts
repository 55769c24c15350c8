/** What every command returns: one JSON value for stdout and the exit code. */
export interface CommandResult {
  output: unknown;
  /** Printed on stdout as is instead of `output` (reports in a non-JSON format). */
  raw?: string;
  exitCode: number;
  /** One-line warnings for stderr, printed as `agent warning: ...` (e.g. skipped history files). */
  warnings?: string[];
  /** Lines for stderr printed as they are (e.g. why a gate failed). */
  notes?: string[];
}
