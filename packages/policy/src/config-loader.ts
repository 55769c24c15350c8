import { readFile } from 'node:fs/promises';
import { type Document, isMap, isScalar, LineCounter, parseDocument, stringify } from 'yaml';
import type { z } from 'zod';
import { type AgentConfig, agentConfigSchema, defaultAgentConfig } from './config-schema.js';
import { NotFoundError, ValidationError } from './errors.js';

/**
 * Parses a YAML document and validates it with a zod schema. Every error names
 * the file, the line and the dotted field, e.g.
 * `.sdetkit/agent/config.yaml:4: budgets.max_steps: expected number, received string`.
 */
export function parseYamlWithSchema<S extends z.ZodType>(text: string, schema: S, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new ValidationError(`${file}:${line}: invalid YAML: ${firstLine(syntaxError.message)}`, file);
  }
  const data = doc.toJS() ?? {};
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path = [...path, issue.keys[0]];
  const line = lineOf(doc, lineCounter, path);
  const where = line === undefined ? file : `${file}:${line}`;
  const field = path.length > 0 ? path.join('.') : '(document)';
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown key (allowed: ${allowedKeysHint(schema, issue.path)})`
      : issue.message;
  throw new ValidationError(`${where}: ${field}: ${message}`, file);
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** The 1-based line of the deepest node on `path` that exists in the document. */
function lineOf(doc: Document, lineCounter: LineCounter, path: string[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const parentPath = path.slice(0, Math.max(0, depth - 1));
    const parent = depth === 0 ? doc.contents : doc.getIn(parentPath, true);
    if (depth === 0) {
      const range = (parent as { range?: [number, number, number] } | null)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    }
    if (isMap(parent)) {
      const key = path[depth - 1];
      const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function allowedKeysHint(schema: z.ZodType, path: PropertyKey[]): string {
  let current: unknown = schema;
  for (const segment of path) current = shapeOf(current)?.[String(segment)];
  const shape = shapeOf(current);
  return shape ? Object.keys(shape).sort().join(', ') : 'see docs';
}

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as {
    shape?: Record<string, unknown>;
    unwrap?: () => unknown;
    def?: { innerType?: unknown };
  };
  for (let i = 0; i < 5 && current && !current.shape; i++) {
    current = (current.def?.innerType ?? current.unwrap?.()) as typeof current;
  }
  return current?.shape;
}

/** The 1-based line of a dotted path in YAML text, when the path exists. */
export function yamlLineOf(text: string, path: readonly (string | number)[]): number | undefined {
  return yamlLocator(text)(path);
}

/**
 * `yamlLineOf` for many paths of one text: the text is parsed once, on the
 * first lookup, instead of once per path (a template with thousands of
 * steps looked up each step's line and took minutes).
 */
export function yamlLocator(text: string): (path: readonly (string | number)[]) => number | undefined {
  let parsed: { doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter } | null | undefined;
  return (path) => {
    if (parsed === undefined) {
      const lineCounter = new LineCounter();
      const doc = parseDocument(text, { lineCounter });
      parsed = doc.errors.length > 0 ? null : { doc, lineCounter };
    }
    return parsed ? lineOf(parsed.doc, parsed.lineCounter, path.map(String)) : undefined;
  };
}

/** Parses config text; an empty file means "all defaults". */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  return parseYamlWithSchema(text, agentConfigSchema, file);
}

/**
 * Loads the agent config from disk. `displayPath` is what errors show (the
 * workspace-relative path the user typed), never an absolute path.
 */
export async function loadAgentConfig(absolutePath: string, displayPath: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(absolutePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(
        `${displayPath}: config.yaml not found (run \`sdetkit agent init\` to create it)`,
        displayPath,
      );
    }
    throw new ValidationError(`${displayPath}: cannot read config: ${(error as Error).message}`, displayPath);
  }
  return parseAgentConfig(text, displayPath);
}

/** The YAML written by `agent init`: every default spelled out, with comments. */
export function renderDefaultConfigYaml(): string {
  const config = defaultAgentConfig();
  return [
    '# sdetkit agent config. Every key is optional; missing keys take these defaults.',
    '# Reference: docs/reference/config.md',
    stringify(config, { sortMapEntries: false, lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}
