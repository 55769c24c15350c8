import { lstat, open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { ScannedFile } from './rule.js';

export interface WalkOptions {
  /** Files larger than this are not read (a hygiene finding reports them). */
  maxFileBytes: number;
  /** Extra ignore patterns (gitignore syntax), e.g. from the audit config. */
  ignore?: string[];
  /** Only these workspace-relative paths (changed-only audits). */
  only?: Set<string>;
}

const ALWAYS_SKIPPED = ['.git', 'node_modules', '.sdetkit'];

async function loadIgnore(dir: string, relative: string, parent: Ignore): Promise<Ignore> {
  const text = await readFile(path.join(dir, '.gitignore'), 'utf8').catch(() => undefined);
  if (text === undefined) return parent;
  const child = ignore().add(parent);
  // Patterns in a nested .gitignore are relative to its folder.
  const prefix = relative ? `${relative}/` : '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = negate ? line.slice(1) : line;
    const anchored = pattern.startsWith('/')
      ? pattern.slice(1)
      : pattern.includes('/') && !pattern.endsWith('/')
        ? pattern
        : `**/${pattern}`;
    child.add(`${negate ? '!' : ''}${prefix}${anchored}`);
  }
  return child;
}

/**
 * Lists the repository's files in sorted order, honouring .gitignore files
 * (root and nested), never following symlinks, and reading each file at most
 * once. Binary files (a NUL in the first 8 KiB) and files over the size limit
 * are listed without their text.
 */
export async function walkRepository(root: string, options: WalkOptions): Promise<ScannedFile[]> {
  const files: ScannedFile[] = [];
  const base = ignore().add(options.ignore ?? []);
  const walk = async (dir: string, relative: string, rules: Ignore) => {
    const local = await loadIgnore(dir, relative, rules);
    const entries = (await readdir(dir)).sort();
    for (const name of entries) {
      const rel = relative ? `${relative}/${name}` : name;
      if (!relative && ALWAYS_SKIPPED.includes(name)) continue;
      const absolute = path.join(dir, name);
      const info = await lstat(absolute).catch(() => undefined);
      if (!info || info.isSymbolicLink()) continue;
      if (info.isDirectory()) {
        if (name === '.git' || local.ignores(`${rel}/`)) continue;
        await walk(absolute, rel, local);
        continue;
      }
      if (!info.isFile() || local.ignores(rel)) continue;
      if (options.only && !options.only.has(rel)) continue;
      files.push(await readScanned(absolute, rel, info.size, info.mode, options.maxFileBytes));
    }
  };
  await walk(root, '', base);
  return files;
}

async function readScanned(
  absolute: string,
  rel: string,
  size: number,
  mode: number,
  max: number,
): Promise<ScannedFile> {
  if (size > max) return { path: rel, size, mode, binary: false, skipped: `larger than ${max} bytes` };
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(absolute, 'r');
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const data = buffer.subarray(0, read);
    if (data.subarray(0, 8192).includes(0)) return { path: rel, size, mode, binary: true };
    return { path: rel, size, mode, binary: false, text: data.toString('utf8') };
  } catch (error) {
    return {
      path: rel,
      size,
      mode,
      binary: false,
      skipped: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  } finally {
    await handle?.close();
  }
}
