import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '@sdetkit/core-runs';
import { parseYamlWithSchema, ValidationError, yamlLocator } from '@sdetkit/policy';
import { collectReferences, parseCondition } from './interpolation.js';
import { type LoadedTemplate, type TemplateDefinition, templateSchema } from './template-schema.js';

const RUN_FIELDS = ['output_dir', 'id'];
const TEMPLATE_FIELDS = ['id', 'title', 'version', 'description'];

/**
 * Parses and checks one template: schema (with file and line), duplicate
 * step ids, and every `${{ }}` reference (declared inputs and secrets,
 * earlier steps only, known run and template fields). Actions are checked
 * against a registry separately (`checkTemplateActions`).
 */
export function parseTemplate(text: string, source: string): LoadedTemplate {
  const definition = parseYamlWithSchema(text, templateSchema, source) as TemplateDefinition;
  const locate = yamlLocator(text);
  /** `source:line` of a path in the text (the text is parsed once for all lookups). */
  const at = (pathParts: (string | number)[]): string => {
    const line = locate(pathParts);
    return line === undefined ? source : `${source}:${line}`;
  };
  const seen = new Map<string, number>();
  definition.workflow.forEach((step, index) => {
    if (seen.has(step.id)) {
      throw new ValidationError(
        `${at(['workflow', index, 'id'])}: workflow.${index}.id: duplicate step id ${step.id} (first at step ${seen.get(step.id)})`,
        source,
      );
    }
    seen.set(step.id, index);
  });

  const check = (ref: string, where: string, stepIndex: number | null) => {
    const [root, first, second, third] = ref.split('.');
    const fail = (why: string) => {
      throw new ValidationError(`${where}: unknown variable ${ref}: ${why}`, source);
    };
    switch (root) {
      case 'inputs':
        if (!first || !Object.hasOwn(definition.inputs, first)) fail(`no input ${first ?? ''} is declared`);
        break;
      case 'run':
        if (!first || !RUN_FIELDS.includes(first) || second) fail(`run has ${RUN_FIELDS.join(', ')}`);
        break;
      case 'template':
        if (!first || !TEMPLATE_FIELDS.includes(first) || second)
          fail(`template has ${TEMPLATE_FIELDS.join(', ')}`);
        break;
      case 'secrets':
        if (!first || !definition.secrets.includes(first) || second) fail(`declare it under secrets:`);
        break;
      case 'steps': {
        if (stepIndex === null) fail('steps are not available here');
        const target = first === undefined ? undefined : seen.get(first);
        if (target === undefined || target >= (stepIndex ?? 0)) fail(`no earlier step ${first ?? ''}`);
        const ok = second === 'outputs' || (second === 'outcome' && third === undefined);
        if (!ok) fail('use steps.<id>.outputs, steps.<id>.outputs.<name> or steps.<id>.outcome');
        break;
      }
      default:
        fail('contexts are inputs, run, template, steps and secrets');
    }
  };

  for (const [name, input] of Object.entries(definition.inputs)) {
    const where = at(['inputs', name, 'default']);
    for (const { ref } of collectReferences(input.default, where)) {
      if (!ref.startsWith('run.'))
        throw new ValidationError(`${where}: input defaults may only use run.*, not ${ref}`, source);
      check(ref, where, null);
    }
  }
  definition.workflow.forEach((step, index) => {
    const where = at(['workflow', index, 'with']);
    for (const { ref, where: inner } of collectReferences(step.with, where)) check(ref, inner, index);
    if (typeof step.if === 'string') {
      const ifWhere = at(['workflow', index, 'if']);
      check(parseCondition(step.if, ifWhere).ref, ifWhere, index);
    }
  });
  return { definition, source, sha256: sha256Hex(text), text };
}

/** A folder of `*.yaml` / `*.yml` templates, sorted by file name. */
export async function loadTemplateDir(absoluteDir: string, displayDir: string): Promise<LoadedTemplate[]> {
  let names: string[];
  try {
    names = (await readdir(absoluteDir)).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ValidationError(
      `${displayDir}: cannot read templates folder (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  const templates: LoadedTemplate[] = [];
  for (const name of names) {
    const display = `${displayDir}/${name}`;
    templates.push(parseTemplate(await readFile(path.join(absoluteDir, name), 'utf8'), display));
  }
  const byId = new Map<string, string>();
  for (const t of templates) {
    const other = byId.get(t.definition.metadata.id);
    if (other) {
      throw new ValidationError(
        `${t.source}: metadata.id: duplicate template id ${t.definition.metadata.id} (also in ${other})`,
        t.source,
      );
    }
    byId.set(t.definition.metadata.id, t.source);
  }
  return templates;
}
