import { createHmac, timingSafeEqual } from 'node:crypto';

/** Compares two strings in constant time (for their length). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function hmacHex(secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/** Parses a body as a JSON object; undefined when it is not one. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> | undefined {
  const body = readJsonObject(raw);
  return 'value' in body ? body.value : undefined;
}

/**
 * Parses a body as a JSON object, or says what is wrong with it: not JSON
 * at all, or JSON of another kind (`[...]`, a string, a number, `null`).
 * The message never quotes the body.
 */
export function readJsonObject(raw: Buffer): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return { error: raw.length === 0 ? 'body is empty: expected a JSON object' : 'body is not valid JSON' };
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return { value: value as Record<string, unknown> };
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return { error: `body must be a JSON object, not ${kind}` };
}
