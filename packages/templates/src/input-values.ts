import { ValidationError } from '@sdetkit/policy';
import { type InterpolationContext, interpolate } from './interpolation.js';
import type { TemplateDefinition, TemplateInput } from './template-schema.js';

/** Parses `k=v` pairs from `--set`; the error names the flag. */
export function parseSetFlags(sets: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new ValidationError(`--set ${set}: expected key=value`, '--set');
    const key = set.slice(0, eq).trim();
    if (Object.hasOwn(values, key)) throw new ValidationError(`--set ${key}: given twice`, '--set');
    values[key] = set.slice(eq + 1);
  }
  return values;
}

/**
 * How errors name an input: `flags` as the CLI takes them (`--set name`),
 * `body` as a request body holds them (`inputs.name`, the REST API's).
 */
export type InputNaming = 'flags' | 'body';

function inputError(naming: InputNaming, name: string, why: string): ValidationError {
  return naming === 'body'
    ? new ValidationError(`inputs.${name}: ${why}`, 'inputs')
    : new ValidationError(`--set ${name}: ${why}`, '--set');
}

function coerce(name: string, input: TemplateInput, raw: unknown, naming: InputNaming): unknown {
  const fail = (why: string) => {
    throw inputError(naming, name, why);
  };
  switch (input.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (String(raw).trim() === '' || !Number.isFinite(n))
        fail(`expected a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      return fail(`expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'enum': {
      const text = String(raw);
      if (!input.enum?.includes(text))
        fail(`expected one of ${input.enum?.join(', ')}, got ${JSON.stringify(text)}`);
      return text;
    }
    default:
      return String(raw);
  }
}

/**
 * The run's input values: `--set` values typed against each input's
 * declared type, then defaults (which may use `run.*`). Unknown keys and
 * missing required inputs are errors, naming the input as `naming` says.
 */
export function resolveInputs(
  definition: TemplateDefinition,
  given: Record<string, unknown>,
  run: InterpolationContext['run'],
  naming: InputNaming = 'flags',
): Record<string, unknown> {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(definition.inputs, key)) {
      const known = Object.keys(definition.inputs);
      throw inputError(
        naming,
        key,
        `unknown input for ${definition.metadata.id} (inputs: ${known.join(', ') || 'none'})`,
      );
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(definition.inputs)) {
    if (Object.hasOwn(given, name)) {
      values[name] = coerce(name, input, given[name], naming);
    } else if (input.default !== undefined) {
      const context: InterpolationContext = {
        inputs: {},
        run,
        template: { id: '', title: '', version: '', description: '' },
        steps: {},
        secrets: {},
      };
      values[name] = coerce(
        name,
        input,
        interpolate(input.default, context, `inputs.${name}.default`),
        naming,
      );
    } else if (input.required) {
      throw inputError(naming, name, `required input missing for ${definition.metadata.id}`);
    } else {
      values[name] = null;
    }
  }
  return values;
}

/** Input values with secret inputs masked, for records and output. */
export function maskSecretInputs(
  definition: TemplateDefinition,
  values: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, definition.inputs[k]?.secret && v !== null ? '***' : v]),
  );
}
