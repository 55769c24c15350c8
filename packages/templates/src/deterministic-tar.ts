import { normalizeWorkspacePath, ValidationError } from '@sdetkit/policy';
import tar from 'tar-stream';

export interface TarFile {
  /** POSIX path inside the archive. */
  name: string;
  data: Buffer;
}

/**
 * A byte-identical tar for the same files: entries sorted by name, regular
 * files only, mtime 0, uid/gid 0, mode 0644, no user or group names.
 */
export async function createDeterministicTar(files: readonly TarFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name)
      throw new ValidationError(`duplicate archive entry ${sorted[i]!.name}`);
  }
  for (const file of sorted) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: file.name,
          size: file.data.length,
          mode: 0o644,
          mtime: new Date(0),
          uid: 0,
          gid: 0,
          uname: '',
          gname: '',
          type: 'file',
        },
        file.data,
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface ReadTarLimits {
  maxEntries?: number;
  maxEntryBytes?: number;
  maxTotalBytes?: number;
}

/**
 * Reads a tar into memory, refusing anything that is not a plain regular
 * file with a safe relative name: absolute paths, `..`, links, devices,
 * duplicates, and entries over the size limits. Errors name the entry.
 */
export async function readTarFiles(archive: Buffer, limits: ReadTarLimits = {}): Promise<TarFile[]> {
  const maxEntries = limits.maxEntries ?? 10_000;
  const maxEntryBytes = limits.maxEntryBytes ?? 16 * 1024 * 1024;
  const maxTotalBytes = limits.maxTotalBytes ?? 256 * 1024 * 1024;
  const extract = tar.extract();
  const files: TarFile[] = [];
  const names = new Set<string>();
  let total = 0;
  let failure: ValidationError | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const skip = () => {
        stream.on('end', next);
        // A truncated archive errors the entry too; the extract's own error reports it once.
        stream.on('error', () => {});
        stream.resume();
      };
      // After the first refusal the rest is drained, not read: one clear error, no partial result.
      if (failure) return skip();
      const fail = (why: string) => {
        failure = new ValidationError(`archive entry ${JSON.stringify(header.name)}: ${why}`);
        skip();
      };
      if (header.type !== 'file') return fail(`type ${header.type} is not allowed (regular files only)`);
      let name: string;
      try {
        name = normalizeWorkspacePath(header.name);
      } catch (error) {
        return fail((error as Error).message);
      }
      if (name !== header.name || name === '.') return fail('name is not a normalized relative path');
      if (names.has(name)) return fail('duplicate entry');
      if ((header.size ?? 0) > maxEntryBytes) return fail(`larger than ${maxEntryBytes} bytes`);
      if (files.length >= maxEntries) return fail(`more than ${maxEntries} entries`);
      total += header.size ?? 0;
      if (total > maxTotalBytes) return fail(`archive larger than ${maxTotalBytes} bytes`);
      names.add(name);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        files.push({ name, data: Buffer.concat(chunks) });
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', () => (failure ? reject(failure) : resolve()));
    // An entry already refused explains the archive better than what the parser trips on next
    // (a header claiming gigabytes that are not there ends in "unexpected end of data").
    extract.on('error', (error) => reject(failure ?? error));
  });
  extract.end(archive);
  try {
    await finished;
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(`not a valid tar archive: ${(error as Error).message}`);
  }
  return files;
}
