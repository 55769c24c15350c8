import path from 'node:path';
import { CSV_FORMULA_PREFIX, canonicalJson, defineAction, writeFileAtomic } from '@sdetkit/core-runs';
import { normalizeWorkspacePath } from '@sdetkit/policy';
import Papa from 'papaparse';
import { z } from 'zod';
import { walkRepository } from './file-walker.js';
import type { ScannedFile } from './rule.js';

export interface Dependency {
  ecosystem: 'npm' | 'pypi' | 'go' | 'cargo';
  name: string;
  version: string;
  scope: string;
  manifest: string;
}

function fromPackageJson(file: ScannedFile): Dependency[] {
  let data: Record<string, Record<string, string> | undefined>;
  try {
    data = JSON.parse(file.text ?? '') as typeof data;
  } catch {
    return [];
  }
  return ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].flatMap((scope) =>
    Object.entries(data[scope] ?? {}).map(([name, version]) => ({
      ecosystem: 'npm' as const,
      name,
      version: String(version),
      scope,
      manifest: file.path,
    })),
  );
}

function fromRequirements(file: ScannedFile): Dependency[] {
  return (file.text ?? '')
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l && !l.startsWith('-'))
    .map((line) => {
      const match = /^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*(.*)$/.exec(line);
      return {
        ecosystem: 'pypi' as const,
        name: match?.[1] ?? line,
        version: (match?.[2] ?? '').trim() || '*',
        scope: 'runtime',
        manifest: file.path,
      };
    });
}

function fromGoMod(file: ScannedFile): Dependency[] {
  return [
    ...(file.text ?? '').matchAll(
      /^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]{2,}\/[^\s]+)\s+(v[^\s]+)(\s*\/\/\s*indirect)?/gm,
    ),
  ].map((m) => ({
    ecosystem: 'go' as const,
    name: m[1]!,
    version: m[2]!,
    scope: m[3] ? 'indirect' : 'direct',
    manifest: file.path,
  }));
}

function fromCargo(file: ScannedFile): Dependency[] {
  const deps: Dependency[] = [];
  let scope: string | null = null;
  for (const raw of (file.text ?? '').split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      scope = /^(dependencies|dev-dependencies|build-dependencies)$/.test(section[1]!) ? section[1]! : null;
      continue;
    }
    const entry = /^([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]+)"|\{.*version\s*=\s*"([^"]+)".*\}|\{.*\})/.exec(line);
    if (scope && entry)
      deps.push({
        ecosystem: 'cargo',
        name: entry[1]!,
        version: entry[2] ?? entry[3] ?? '*',
        scope,
        manifest: file.path,
      });
  }
  return deps;
}

/** Every declared dependency in the repository's manifests, sorted. */
export async function dependencyInventory(root: string): Promise<Dependency[]> {
  const files = await walkRepository(root, { maxFileBytes: 4 * 1024 * 1024 });
  const deps = files.flatMap((file) => {
    const base = path.posix.basename(file.path);
    if (base === 'package.json') return fromPackageJson(file);
    if (/^requirements.*\.txt$/.test(base)) return fromRequirements(file);
    if (base === 'go.mod') return fromGoMod(file);
    if (base === 'Cargo.toml') return fromCargo(file);
    return [];
  });
  return deps.sort((a, b) =>
    `${a.ecosystem}\0${a.name}\0${a.manifest}\0${a.scope}` <
    `${b.ecosystem}\0${b.name}\0${b.manifest}\0${b.scope}`
      ? -1
      : 1,
  );
}

/** `deps.inventory`: the repository's declared dependencies as JSON and CSV. */
export const dependencyInventoryAction = defineAction({
  id: 'deps.inventory',
  description:
    'Inventory declared dependencies (package.json, requirements*.txt, go.mod, Cargo.toml) into JSON and CSV.',
  input: z.strictObject({
    output_json: z.string().min(1),
    output_csv: z.string().min(1).optional(),
  }),
  examples: [
    {
      output_json: '.sdetkit/agent/workdir/dependencies.json',
      output_csv: '.sdetkit/agent/workdir/dependencies.csv',
    },
  ],
  keywords: ['inventory', 'dependencies'],
  plannedParams: () => ({ output_json: '.sdetkit/agent/workdir/dependencies.json' }),
  policy: (p) => [
    { kind: 'read', path: '.' },
    { kind: 'write', path: p.output_json },
    ...(p.output_csv ? [{ kind: 'write' as const, path: p.output_csv }] : []),
  ],
  summarize: (p) => `inventory dependencies into ${p.output_json}`,
  async handler(p, ctx) {
    const deps = await dependencyInventory(ctx.workspaceRoot);
    const byEcosystem: Record<string, number> = {};
    for (const d of deps) byEcosystem[d.ecosystem] = (byEcosystem[d.ecosystem] ?? 0) + 1;
    await writeFileAtomic(
      await ctx.resolvePath(p.output_json),
      `${canonicalJson({ count: deps.length, by_ecosystem: byEcosystem, dependencies: deps })}\n`,
    );
    const artifacts = [normalizeWorkspacePath(p.output_json)];
    if (p.output_csv) {
      const csv = Papa.unparse(
        {
          fields: ['ecosystem', 'name', 'version', 'scope', 'manifest'],
          data: deps.map((d) => [d.ecosystem, d.name, d.version, d.scope, d.manifest]),
        },
        { escapeFormulae: CSV_FORMULA_PREFIX, newline: '\n' },
      );
      await writeFileAtomic(await ctx.resolvePath(p.output_csv), `${csv}\n`);
      artifacts.push(normalizeWorkspacePath(p.output_csv));
    }
    return { ok: true, payload: { count: deps.length, by_ecosystem: byEcosystem }, artifacts };
  },
});
