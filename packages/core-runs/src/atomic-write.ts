import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Temp files start with this prefix; readers skip them. */
export const TEMP_PREFIX = '.sdetkit-tmp-';

/**
 * Writes a file so a reader never sees a half-written one under its final
 * name: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A crash leaves at most a `.sdetkit-tmp-*` file.
 * `data` may be a list of chunks, written in order.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | readonly (string | Uint8Array)[],
): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(
    dir,
    `${TEMP_PREFIX}${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}`,
  );
  const handle = await openCreating(temp, 'wx', 0o644);
  try {
    // Chunks are written one after another, never joined: a large file is not held twice in memory.
    for (const chunk of typeof data === 'string' || data instanceof Uint8Array ? [data] : data)
      await handle.writeFile(chunk);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/** Opens a file, creating its folder only when it is missing (saves a mkdir per write on hot paths). */
export async function openCreating(
  file: string,
  flags: string,
  mode?: number,
): Promise<Awaited<ReturnType<typeof open>>> {
  try {
    return await open(file, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(path.dirname(file), { recursive: true });
    return open(file, flags, mode);
  }
}
