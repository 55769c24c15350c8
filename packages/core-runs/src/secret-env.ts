/** Variable names whose values are treated as secrets even when passed to a child on purpose. */
export const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH/i;

export const REDACTED_VALUE = '[REDACTED]';

/** The named variables of `source` that are set: the whole environment a child process gets. */
export function pickEnv(
  source: Record<string, string | undefined>,
  names: Iterable<string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * The values of `names` in `env` that look secret (by name, 6+ characters),
 * longest first so a secret containing another is replaced whole.
 */
export function secretEnvValues(env: Record<string, string | undefined>, names: Iterable<string>): string[] {
  const values: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.length >= 6 && SECRET_ENV_NAME.test(name)) values.push(value);
  }
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** `text` with every secret replaced by `[REDACTED]`. */
export function redactSecretsInText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, REDACTED_VALUE);
  return out;
}

/** A JSON value with every secret inside its strings (and keys) replaced by `[REDACTED]`. */
export function redactSecretsInJson<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0 || value === undefined) return value;
  let text = JSON.stringify(value);
  // Secrets appear JSON-escaped inside the text.
  for (const secret of secrets) text = text.replaceAll(JSON.stringify(secret).slice(1, -1), REDACTED_VALUE);
  return JSON.parse(text) as T;
}
