import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, sha256Hex, writeFileAtomic } from '@sdetkit/core-runs';
import { ValidationError } from '@sdetkit/policy';
import { createDeterministicTar, readTarFiles } from './deterministic-tar.js';
import { parseTemplate } from './template-loader.js';
import type { LoadedTemplate } from './template-schema.js';

export const PACK_AUTOMATIONS_DIR = 'automations';
export const PACK_MANIFEST = 'SHA256SUMS';
export const PACK_CATALOG = 'catalog.json';

export interface CatalogEntry {
  id: string;
  version: string;
  title: string;
  file: string;
  sha256: string;
}

export interface PackResult {
  archive: Buffer;
  sha256: string;
  files: string[];
  catalog: CatalogEntry[];
}

function fileNameOf(template: LoadedTemplate): string {
  return `${PACK_AUTOMATIONS_DIR}/${template.definition.metadata.id}.yaml`;
}

/** `SHA256SUMS`: `<sha256>  <path>` per file, sorted by path (sha256sum -c compatible). */
function manifestOf(files: { name: string; data: Buffer }[]): string {
  return files
    .map((f) => `${sha256Hex(f.data)}  ${f.name}\n`)
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1))
    .join('');
}

/**
 * Packs templates into a deterministic tar: `automations/<id>.yaml` per
 * template, `catalog.json` (id, version, title, file, sha256) and
 * `SHA256SUMS` over both. The same templates always give the same bytes.
 */
export async function packTemplates(templates: readonly LoadedTemplate[]): Promise<PackResult> {
  const sorted = [...templates].sort((a, b) =>
    a.definition.metadata.id < b.definition.metadata.id ? -1 : 1,
  );
  const files = sorted.map((t) => ({ name: fileNameOf(t), data: Buffer.from(t.text, 'utf8') }));
  const catalog = sorted.map((t, i) => ({
    id: t.definition.metadata.id,
    version: t.definition.metadata.version,
    title: t.definition.metadata.title,
    file: files[i]!.name,
    sha256: sha256Hex(files[i]!.data),
  }));
  files.push({ name: PACK_CATALOG, data: Buffer.from(`${canonicalJson({ templates: catalog })}\n`, 'utf8') });
  files.push({ name: PACK_MANIFEST, data: Buffer.from(manifestOf(files), 'utf8') });
  const archive = await createDeterministicTar(files);
  return { archive, sha256: sha256Hex(archive), files: files.map((f) => f.name).sort(), catalog };
}

export interface VerifyResult {
  ok: boolean;
  sha256: string;
  problems: string[];
  templates: CatalogEntry[];
  /** Parsed templates, present only when ok. */
  loaded: LoadedTemplate[];
}

/**
 * Checks a pack: every entry is expected, every checksum in SHA256SUMS
 * matches, catalog.json agrees with the files, and every template parses.
 * Problems are listed, never thrown (bad archives excepted).
 */
export async function verifyPack(archive: Buffer, display: string): Promise<VerifyResult> {
  const sha256 = sha256Hex(archive);
  const problems: string[] = [];
  let files: Awaited<ReturnType<typeof readTarFiles>>;
  try {
    files = await readTarFiles(archive);
  } catch (error) {
    return {
      ok: false,
      sha256,
      problems: [`${display}: ${(error as Error).message}`],
      templates: [],
      loaded: [],
    };
  }
  const byName = new Map(files.map((f) => [f.name, f.data]));
  const manifest = byName.get(PACK_MANIFEST);
  const catalogBytes = byName.get(PACK_CATALOG);
  if (!manifest) problems.push(`${PACK_MANIFEST} is missing`);
  if (!catalogBytes) problems.push(`${PACK_CATALOG} is missing`);
  const listed = new Map<string, string>();
  for (const [i, line] of (manifest?.toString('utf8') ?? '').split('\n').entries()) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) {
      problems.push(`${PACK_MANIFEST}:${i + 1}: malformed line`);
      continue;
    }
    listed.set(match[2]!, match[1]!);
  }
  for (const file of files) {
    if (file.name === PACK_MANIFEST) continue;
    const expected = listed.get(file.name);
    if (!expected) problems.push(`${file.name}: unexpected entry (not in ${PACK_MANIFEST})`);
    else if (expected !== sha256Hex(file.data)) problems.push(`${file.name}: checksum mismatch`);
    if (
      file.name !== PACK_CATALOG &&
      !(
        file.name.startsWith(`${PACK_AUTOMATIONS_DIR}/`) &&
        file.name.endsWith('.yaml') &&
        file.name.split('/').length === 2
      )
    ) {
      problems.push(
        `${file.name}: unexpected entry (packs hold ${PACK_AUTOMATIONS_DIR}/*.yaml, ${PACK_CATALOG}, ${PACK_MANIFEST})`,
      );
    }
  }
  for (const name of listed.keys())
    if (!byName.has(name)) problems.push(`${name}: listed in ${PACK_MANIFEST} but missing`);
  let catalog: CatalogEntry[] = [];
  try {
    catalog = (
      JSON.parse(catalogBytes?.toString('utf8') ?? '{"templates":[]}') as { templates: CatalogEntry[] }
    ).templates;
  } catch {
    problems.push(`${PACK_CATALOG}: not valid JSON`);
  }
  const loaded: LoadedTemplate[] = [];
  for (const entry of catalog) {
    const data = byName.get(entry.file);
    if (!data) {
      problems.push(`${PACK_CATALOG}: ${entry.id} names missing file ${entry.file}`);
      continue;
    }
    if (sha256Hex(data) !== entry.sha256)
      problems.push(`${PACK_CATALOG}: ${entry.id} checksum does not match ${entry.file}`);
    try {
      const template = parseTemplate(data.toString('utf8'), `${display}:${entry.file}`);
      if (
        template.definition.metadata.id !== entry.id ||
        template.definition.metadata.version !== entry.version
      ) {
        problems.push(`${PACK_CATALOG}: ${entry.id}@${entry.version} does not match ${entry.file}`);
      }
      loaded.push(template);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const cataloged = new Set(catalog.map((c) => c.file));
  for (const file of files) {
    if (file.name.startsWith(`${PACK_AUTOMATIONS_DIR}/`) && !cataloged.has(file.name)) {
      problems.push(`${file.name}: not listed in ${PACK_CATALOG}`);
    }
  }
  const ok = problems.length === 0;
  return { ok, sha256, problems, templates: catalog, loaded: ok ? loaded : [] };
}

export interface InstallResult {
  installed: string[];
  unchanged: string[];
  sha256: string;
}

/**
 * Verifies a pack, then writes its templates into `targetDir` (atomically,
 * file by file). Nothing is written when verification fails; an existing
 * template with different content is only replaced with `force`.
 */
export async function installPack(
  archive: Buffer,
  display: string,
  target: { absolute: string; relative: string },
  options: { force?: boolean } = {},
): Promise<InstallResult> {
  const verified = await verifyPack(archive, display);
  if (!verified.ok)
    throw new ValidationError(
      `${display}: verification failed: ${verified.problems[0]} (${verified.problems.length} problem(s))`,
    );
  const plan: { relative: string; absolute: string; data: string; state: 'new' | 'same' | 'changed' }[] = [];
  for (const template of verified.loaded) {
    const name = `${template.definition.metadata.id}.yaml`;
    const absolute = path.join(target.absolute, name);
    const existing = await readFile(absolute, 'utf8').catch(() => undefined);
    plan.push({
      relative: `${target.relative}/${name}`,
      absolute,
      data: template.text,
      state: existing === undefined ? 'new' : existing === template.text ? 'same' : 'changed',
    });
  }
  const conflicts = plan.filter((p) => p.state === 'changed');
  if (conflicts.length > 0 && !options.force) {
    throw new ValidationError(
      `${conflicts[0]!.relative}: differs from the pack's version; use --force to replace (${conflicts.length} file(s))`,
    );
  }
  for (const item of plan) if (item.state !== 'same') await writeFileAtomic(item.absolute, item.data);
  return {
    installed: plan.filter((p) => p.state !== 'same').map((p) => p.relative),
    unchanged: plan.filter((p) => p.state === 'same').map((p) => p.relative),
    sha256: verified.sha256,
  };
}
