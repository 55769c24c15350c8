import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface CanaryHit {
  /** Where it was found: a path relative to the scanned root, or a label such as `stdout`. */
  where: string;
  canary: string;
  /** How it appeared: as is, base64 or URL-encoded. */
  form: 'plain' | 'base64' | 'url';
}

/** The forms a secret could leak in: as is, base64 and URL-encoded. */
function forms(canary: string): Array<[CanaryHit['form'], Buffer]> {
  const base64 = Buffer.from(canary).toString('base64').replace(/=+$/, '');
  const url = encodeURIComponent(canary);
  return [
    ['plain', Buffer.from(canary)],
    ['base64', Buffer.from(base64)],
    // A canary that URL-encoding leaves unchanged is already covered by `plain`.
    ...(url === canary ? [] : ([['url', Buffer.from(url)]] as Array<[CanaryHit['form'], Buffer]>)),
  ];
}

/** Every canary (in any form) found in `text`. */
export function findCanariesIn(
  where: string,
  text: string | Buffer,
  canaries: readonly string[],
): CanaryHit[] {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  const hits: CanaryHit[] = [];
  for (const canary of canaries) {
    for (const [form, needle] of forms(canary)) {
      if (data.includes(needle)) hits.push({ where, canary, form });
    }
  }
  return hits;
}

/** Every file under `root` (hidden ones and dot-folders included), relative POSIX paths, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** Scans every file under `root` (tar packs and binary files included) for every canary. */
export async function scanTreeForCanaries(
  root: string,
  canaries: readonly string[],
): Promise<{
  files: number;
  hits: CanaryHit[];
}> {
  const files = await listFiles(root);
  const hits: CanaryHit[] = [];
  for (const file of files)
    hits.push(...findCanariesIn(file, await readFile(path.join(root, file)), canaries));
  return { files: files.length, hits };
}
