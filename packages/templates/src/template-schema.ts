import { z } from 'zod';

/** Semantic Versioning 2.0.0 (the regular expression published at semver.org). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const ID = /^[a-z0-9][a-z0-9_-]*$/;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const templateInputSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'boolean', 'enum']).optional(),
    required: z.boolean().default(false),
    enum: z.array(z.string()).min(1).optional(),
    default: scalar.optional(),
    description: z.string().default(''),
    secret: z.boolean().default(false),
  })
  .transform((input, ctx) => {
    // The type is inferred from the default when not given (`default: false` is a boolean).
    const inferred =
      input.type ??
      (input.enum
        ? 'enum'
        : typeof input.default === 'number'
          ? 'number'
          : typeof input.default === 'boolean'
            ? 'boolean'
            : 'string');
    if (inferred === 'enum' && !input.enum)
      ctx.addIssue({ code: 'custom', message: 'type enum needs an enum list', path: ['enum'] });
    if (input.enum && inferred !== 'enum')
      ctx.addIssue({
        code: 'custom',
        message: `enum is only for type enum, not ${inferred}`,
        path: ['enum'],
      });
    const isExpression = typeof input.default === 'string' && input.default.includes('${{');
    if (input.default !== undefined && !isExpression) {
      const ok =
        inferred === 'enum'
          ? input.enum?.includes(String(input.default))
          : inferred === 'string'
            ? typeof input.default === 'string'
            : typeof input.default === inferred;
      if (!ok)
        ctx.addIssue({
          code: 'custom',
          message: `default does not match type ${inferred}`,
          path: ['default'],
        });
    }
    return { ...input, type: inferred };
  });

export const templateStepSchema = z.strictObject({
  id: z.string().regex(ID, 'step id must be lowercase letters, digits, - or _'),
  action: z.string().min(1),
  with: z.record(z.string(), z.unknown()).default({}),
  if: z.union([z.string().min(1), z.boolean()]).optional(),
  'continue-on-error': z.boolean().default(false),
  /** Seconds. */
  timeout: z.number().positive().max(86_400).optional(),
  name: z.string().optional(),
});

export const templateSchema = z.strictObject({
  metadata: z.strictObject({
    id: z.string().regex(ID, 'id must be lowercase letters, digits, - or _'),
    title: z.string().min(1),
    version: z.string().regex(SEMVER, 'version must be semver, e.g. 1.0.0'),
    description: z.string().min(1),
    tags: z.array(z.string()).default([]),
    owner: z.string().optional(),
  }),
  inputs: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'input names are identifiers'), templateInputSchema)
    .default({}),
  /** Environment variables this template may read as `secrets.<NAME>`. */
  secrets: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'secret names are UPPER_SNAKE_CASE')).default([]),
  workflow: z.array(templateStepSchema).min(1, 'workflow needs at least one step'),
});

export type TemplateInput = z.output<typeof templateInputSchema>;
export type TemplateStep = z.output<typeof templateStepSchema>;
export type TemplateDefinition = z.output<typeof templateSchema>;

/** A template as loaded: its definition plus where it came from. */
export interface LoadedTemplate {
  definition: TemplateDefinition;
  /** Workspace-relative path, or `builtin:<file>` for the bundled catalog. */
  source: string;
  /** sha256 of the source bytes. */
  sha256: string;
  /** The YAML text, for packs. */
  text: string;
}
