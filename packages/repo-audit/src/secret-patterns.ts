/** Known token formats. Each match is a finding of its rule. */
export const TOKEN_PATTERNS: { rule: string; label: string; pattern: RegExp }[] = [
  {
    rule: 'security.private-key',
    label: 'private key block',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    rule: 'security.cloud-access-key',
    label: 'AWS access key id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g,
  },
  { rule: 'security.cloud-access-key', label: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { rule: 'security.chat-token', label: 'Slack token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}/g },
  {
    rule: 'security.chat-token',
    label: 'Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[0-9A-Z]{6,}\/B[0-9A-Z]{6,}\/[0-9A-Za-z]{20,}/g,
  },
  { rule: 'security.chat-token', label: 'Telegram bot token', pattern: /\b\d{8,10}:AA[0-9A-Za-z_-]{33}\b/g },
  { rule: 'security.github-token', label: 'GitHub token', pattern: /\bgh[pousr]_[0-9A-Za-z]{36}\b/g },
  {
    rule: 'security.github-token',
    label: 'GitHub fine-grained token',
    pattern: /\bgithub_pat_[0-9A-Za-z_]{82}\b/g,
  },
];

/** Assignments to secret-looking names: `api_key = "..."`, `TOKEN: ...`, `"password": "..."`. */
export const SECRET_ASSIGNMENT =
  /(["']?)([A-Za-z0-9_.-]*(?:secret|token|passwd|password|api[_-]?key|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]*)\1\s*[:=]\s*(["']?)([^\s"'`,;]{16,})\3/gi;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGRITY = /^(?:sha1|sha256|sha384|sha512)-/;
const PLACEHOLDER =
  /(\$\{|\{\{|<|>|%\(|process\.env|os\.environ|getenv|example|changeme|your[_-]?|xxxx|\*\*\*|dummy|placeholder|redacted|test|fake|sample)/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/**
 * Whether a value assigned to a secret-looking name looks like a real secret:
 * long, mixed, high-entropy, and not a UUID, integrity hash, placeholder,
 * plain word, path or URL.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 16 || value.length > 512) return false;
  if (UUID.test(value) || INTEGRITY.test(value) || PLACEHOLDER.test(value)) return false;
  if (/^[a-z_]+$/i.test(value) || /^\d+$/.test(value) || /^[A-Z0-9_]+$/.test(value)) return false;
  if (value.includes('/') && !/[+=]$/.test(value)) return false;
  // Code (calls, member chains) and slugs like canary-value-2 are not credentials.
  if (/[()[\]{}]/.test(value) || /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  if (/^[a-z0-9]+(?:[-_][a-z0-9]+)+$/i.test(value) && value.split(/[-_]/).every((part) => part.length <= 10))
    return false;
  if (/^[a-f0-9]{40}$|^[a-f0-9]{64}$/.test(value)) return false;
  if (!/[a-z]/i.test(value) || !/\d/.test(value)) return false;
  return shannonEntropy(value) >= 3.5;
}
