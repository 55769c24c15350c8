import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineAction, sha256Hex, writeFileAtomic } from '@sdetkit/core-runs';
import { normalizeWorkspacePath } from '@sdetkit/policy';
import { z } from 'zod';
import { createDeterministicTar, type TarFile } from './deterministic-tar.js';

const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

async function collectFiles(root: string, skip: Set<string>): Promise<TarFile[]> {
  const files: TarFile[] = [];
  let total = 0;
  const walk = async (dir: string, prefix: string) => {
    const entries = (await readdir(dir)).sort();
    for (const name of entries) {
      const relative = prefix ? `${prefix}/${name}` : name;
      const absolute = path.join(dir, name);
      if (skip.has(absolute)) continue;
      const info = await lstat(absolute);
      // Links are not followed: a bundle never reaches outside its folder.
      if (info.isSymbolicLink()) continue;
      if (info.isDirectory()) await walk(absolute, relative);
      else if (info.isFile()) {
        total += info.size;
        if (total > MAX_BUNDLE_BYTES) throw new Error(`bundle larger than ${MAX_BUNDLE_BYTES} bytes`);
        files.push({ name: relative, data: await readFile(absolute) });
      }
    }
  };
  await walk(root, '');
  return files;
}

/** Deterministic tar of a folder, with an optional `sha256  size  path` manifest. */
export const artifactsBundleAction = defineAction({
  id: 'artifacts.bundle',
  description:
    'Bundle the files of a folder into a deterministic tar (sorted, fixed headers, links skipped), written atomically, with an optional sha256 manifest.',
  input: z.strictObject({
    source_dir: z.string().min(1),
    output: z.string().min(1),
    manifest: z.string().min(1).optional(),
  }),
  examples: [
    {
      source_dir: '.sdetkit/agent/workdir',
      output: '.sdetkit/agent/workdir/bundle/artifacts.tar',
      manifest: '.sdetkit/agent/workdir/bundle/manifest.txt',
    },
  ],
  policy: (p) => [
    { kind: 'read', path: p.source_dir },
    { kind: 'write', path: p.output },
    ...(p.manifest ? [{ kind: 'write' as const, path: p.manifest }] : []),
  ],
  summarize: (p) => `bundle ${p.source_dir} into ${p.output}`,
  async handler(p, ctx) {
    const source = await ctx.resolvePath(p.source_dir);
    const output = await ctx.resolvePath(p.output);
    const manifest = p.manifest ? await ctx.resolvePath(p.manifest) : undefined;
    // The bundle never contains itself or its manifest.
    const files = await collectFiles(source, new Set([output, ...(manifest ? [manifest] : [])]));
    const archive = await createDeterministicTar(files);
    await writeFileAtomic(output, archive);
    const lines = files.map((f) => `${sha256Hex(f.data)}  ${f.data.length}  ${f.name}\n`).join('');
    if (manifest) await writeFileAtomic(manifest, lines);
    return {
      ok: true,
      payload: {
        output: normalizeWorkspacePath(p.output),
        manifest: p.manifest ? normalizeWorkspacePath(p.manifest) : null,
        files: files.length,
        bytes: archive.length,
        sha256: sha256Hex(archive),
      },
      artifacts: [
        normalizeWorkspacePath(p.output),
        ...(p.manifest ? [normalizeWorkspacePath(p.manifest)] : []),
      ],
    };
  },
});
