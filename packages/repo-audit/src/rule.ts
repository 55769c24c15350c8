export type Severity = 'info' | 'warn' | 'error';
export type RulePack = 'core' | 'security' | 'hygiene' | 'deps';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

/** A rule as users see it (JSON report, SARIF rule metadata, docs). */
export interface RuleInfo {
  id: string;
  pack: RulePack;
  title: string;
  description: string;
  severity: Severity;
  tags: string[];
  remediation: string;
}

/** One scanned file. `text` is absent for binary, unreadable or oversized files. */
export interface ScannedFile {
  path: string;
  size: number;
  mode: number;
  text?: string;
  binary: boolean;
  /** Why the content was not read, when it was not. */
  skipped?: string;
}

/** A raw hit from a rule, before severity, waivers and fingerprints are applied. */
export interface RuleHit {
  rule: string;
  path: string;
  line: number;
  column: number;
  message: string;
  /** The text the fingerprint is computed from (the matched line, trimmed). */
  context: string;
}

export interface Finding {
  rule: string;
  path: string;
  line: number;
  column: number;
  severity: Severity;
  message: string;
  remediation: string;
  fingerprint: string;
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number; lineText: string } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const end = text.indexOf('\n', lineStart);
  return {
    line,
    column: offset - lineStart + 1,
    lineText: text.slice(lineStart, end === -1 ? undefined : end),
  };
}
