import { ValidationError } from '@sdetkit/policy';

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const WHOLE = /^\$\{\{([\s\S]*?)\}\}$/;
const REFERENCE = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

/** Values a run resolves references against. */
export interface InterpolationContext {
  inputs: Record<string, unknown>;
  run: { output_dir: string; id: string };
  template: { id: string; title: string; version: string; description: string };
  steps: Record<string, { outputs: Record<string, unknown>; outcome: 'success' | 'failure' | 'skipped' }>;
  secrets: Record<string, string>;
}

/** Thrown when a reference names nothing; `where` is the template location. */
export class UnknownReferenceError extends ValidationError {}

/**
 * Checks that `${{ }}` holds a plain dotted reference. Operators and calls are
 * refused, never evaluated. Returns the trimmed reference.
 */
export function parseReference(expression: string, where: string): string {
  const ref = expression.trim();
  if (!REFERENCE.test(ref)) {
    throw new ValidationError(
      `${where}: expression \${{ ${ref} }} is not a plain reference (operators and function calls are not allowed)`,
    );
  }
  return ref;
}

/** Every reference in a value (strings, arrays and objects, recursively). */
export function collectReferences(value: unknown, where: string, out: { ref: string; where: string }[] = []) {
  if (typeof value === 'string') {
    for (const match of value.matchAll(EXPRESSION))
      out.push({ ref: parseReference(match[1]!, where), where });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) collectReferences(item, `${where}.${i}`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collectReferences(item, `${where}.${key}`, out);
  }
  return out;
}

/**
 * How a dry run stands in for values only known at run time (step outputs
 * and outcomes): given the reference, return a placeholder.
 */
export type Placeholder = (ref: string) => unknown;

/** Looks a reference up in the context; unknown paths are errors naming the reference. */
export function resolveReference(
  ref: string,
  context: InterpolationContext,
  where: string,
  placeholder?: Placeholder,
): unknown {
  const [root, ...rest] = ref.split('.');
  if (placeholder && root === 'steps') return placeholder(ref);
  if (!['inputs', 'run', 'template', 'steps', 'secrets'].includes(root!)) {
    throw new UnknownReferenceError(
      `${where}: unknown variable ${ref} (contexts: inputs, run, template, steps, secrets)`,
    );
  }
  let current: unknown = context[root as keyof InterpolationContext];
  for (const [i, key] of rest.entries()) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) {
      throw new UnknownReferenceError(
        `${where}: unknown variable ${[root, ...rest.slice(0, i + 1)].join('.')}`,
      );
    }
    current = (current as Record<string, unknown>)[key];
  }
  if (rest.length === 0) throw new UnknownReferenceError(`${where}: ${ref} needs a field, e.g. ${ref}.name`);
  return current;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Interpolates a value. A string that is exactly one `${{ ref }}` keeps the
 * referenced value's type; expressions inside longer strings are converted
 * to text. Arrays and objects are interpolated recursively.
 */
export function interpolate(
  value: unknown,
  context: InterpolationContext,
  where: string,
  placeholder?: Placeholder,
): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return resolveReference(parseReference(whole[1]!, where), context, where, placeholder);
    return value.replace(EXPRESSION, (_, expression: string) =>
      stringify(resolveReference(parseReference(expression, where), context, where, placeholder)),
    );
  }
  if (Array.isArray(value))
    return value.map((item, i) => interpolate(item, context, `${where}.${i}`, placeholder));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolate(item, context, `${where}.${key}`, placeholder),
      ]),
    );
  }
  return value;
}

const CONDITION = /^(!?)\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:(==|!=)\s*(.+))?$/;

/** A parsed `if:`: one reference, its negation, or a comparison with a literal. */
export interface Condition {
  ref: string;
  negate: boolean;
  op: '==' | '!=' | null;
  literal: string | number | boolean | null;
}

function parseLiteral(text: string, where: string): string | number | boolean | null {
  const t = text.trim();
  if (/^'(?:[^'\\]|\\.)*'$/.test(t) || /^"(?:[^"\\]|\\.)*"$/.test(t))
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new ValidationError(
    `${where}: ${t} is not a literal (use a quoted string, number, true, false or null)`,
  );
}

/** Parses `if:` (optionally wrapped in `${{ }}`). */
export function parseCondition(condition: string, where: string): Condition {
  const inner = WHOLE.exec(condition.trim())?.[1] ?? condition;
  const match = CONDITION.exec(inner.trim());
  if (!match || (match[1] && match[3])) {
    throw new ValidationError(
      `${where}: if: ${JSON.stringify(condition)} must be a reference, !reference, or reference == / != literal`,
    );
  }
  const ref = parseReference(match[2]!, where);
  return {
    ref,
    negate: match[1] === '!',
    op: (match[3] as '==' | '!=' | undefined) ?? null,
    literal: match[3] ? parseLiteral(match[4]!, where) : null,
  };
}

/** Evaluates an `if:` against the context. */
export function evaluateCondition(
  condition: string | boolean,
  context: InterpolationContext,
  where: string,
): boolean {
  if (typeof condition === 'boolean') return condition;
  const parsed = parseCondition(condition, where);
  const value = resolveReference(parsed.ref, context, where);
  if (parsed.op === '==') return looseEqual(value, parsed.literal);
  if (parsed.op === '!=') return !looseEqual(value, parsed.literal);
  const truthy = Boolean(value) && value !== 'false' && value !== '0';
  return parsed.negate ? !truthy : truthy;
}

function looseEqual(value: unknown, literal: string | number | boolean | null): boolean {
  if (value === literal) return true;
  if (value === undefined && literal === null) return true;
  return typeof literal !== 'object' && String(value) === String(literal);
}
