import { realpath, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256Hex } from './canonical-json.js';

/** Who holds a claim: the process, and where it serves once it listens. */
export interface ClaimHolder {
  pid: number;
  url: string | null;
}

/**
 * Another live server already serves this folder. Two servers on one
 * workspace would each keep their own rate-limit buckets and retried-delivery
 * results and write over each other's files.
 */
export class WorkspaceInUseError extends Error {
  readonly code = 'EWORKSPACEINUSE';
  constructor(
    readonly folder: string,
    readonly holder: ClaimHolder | null,
  ) {
    super(
      `another sdetkit server is serving ${folder} (${describeHolder(holder)}): stop it first, or serve another folder`,
    );
    this.name = 'WorkspaceInUseError';
  }
}

/** A holder as messages name it: `pid 4242, http://127.0.0.1:8787`. */
export function describeHolder(holder: ClaimHolder | null): string {
  if (!holder) return 'it did not say which process';
  return holder.url ? `pid ${holder.pid}, ${holder.url}` : `pid ${holder.pid}`;
}

export interface WorkspaceClaim {
  /** The address other servers meet this claim at. */
  readonly address: string;
  /**
   * Why the folder could not be claimed, when the system refused the socket
   * itself (not because another server holds it): the server still serves,
   * unguarded, and says so in its log.
   */
  readonly unavailable?: string;
  /** Says where this server listens, for a second server's error. */
  serving(url: string): void;
  /** Gives the folder up; idempotent. */
  release(): Promise<void>;
}

/**
 * Claims `folder` for this process's server, so a second server started on
 * the same folder fails with `WorkspaceInUseError` instead of sharing it.
 *
 * The claim is a local socket named after the folder's real path, listened
 * on by this process: on Linux in the abstract namespace, on Windows as a
 * named pipe, elsewhere as a socket file in the temp folder. The kernel
 * drops it when the process exits, however it exits, so a crash never leaves
 * a claim behind (a leftover socket file answers nothing and is replaced).
 * It sees servers on this machine only (in this network namespace, on Linux).
 * When the system refuses the socket itself, the claim comes back with
 * `unavailable` set and guards nothing: a server is not kept from serving
 * by its guard.
 */
export async function claimWorkspace(folder: string, options: ClaimOptions = {}): Promise<WorkspaceClaim> {
  const address = await addressOf(folder, options);
  let holder: ClaimHolder = { pid: process.pid, url: null };
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify(holder)}\n`);
  });
  server.unref();
  // A second try only after removing a socket file nobody answers (left by a process that is gone).
  for (let retried = false; ; retried = true) {
    const error = await listenOn(server, address).then(
      () => undefined,
      (failure: NodeJS.ErrnoException) => failure,
    );
    if (!error) break;
    if (error.code !== 'EADDRINUSE') return unguarded(address, error);
    const other = await askHolder(address);
    if (other !== 'gone') throw new WorkspaceInUseError(folder, other);
    if (retried || !isSocketFile(address)) throw new WorkspaceInUseError(folder, null);
    await rm(address, { force: true });
  }
  let released: Promise<void> | undefined;
  return {
    address,
    serving(url) {
      holder = { pid: process.pid, url };
    },
    release() {
      released ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return released;
    },
  };
}

/**
 * Whether a server on this machine serves `folder` now, without claiming
 * it: `null` when none does, else what the server says of itself (its
 * `holder` is `null` if it did not answer within a second).
 */
export async function findWorkspaceHolder(
  folder: string,
  options: ClaimOptions = {},
): Promise<{ holder: ClaimHolder | null } | null> {
  const answer = await askHolder(await addressOf(folder, options));
  return answer === 'gone' ? null : { holder: answer };
}

/** `platform` and `tmp` (where socket files go; default the temp folder) are for tests. */
export interface ClaimOptions {
  platform?: NodeJS.Platform;
  tmp?: string;
}

/** A folder's claim address, by its real path; a folder that does not exist yet, by its absolute path. */
async function addressOf(folder: string, options: ClaimOptions): Promise<string> {
  const real = await realpath(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return path.resolve(folder);
    throw error;
  });
  return claimAddress(real, options.platform, options.tmp);
}

function unguarded(address: string, error: Error): WorkspaceClaim {
  return {
    address,
    unavailable: `cannot listen on the claim's socket (${error.message})`,
    serving() {},
    release: () => Promise.resolve(),
  };
}

/** The claim's address for a folder's real path: the same for every server on this machine. */
export function claimAddress(
  realFolder: string,
  platform: NodeJS.Platform = process.platform,
  tmp = tmpdir(),
): string {
  const name = `sdetkit-serve-${sha256Hex(realFolder).slice(0, 32)}`;
  if (platform === 'linux') return `\0${name}`;
  if (platform === 'win32') return `\\\\?\\pipe\\${name}`;
  return path.join(tmp, `${name}.sock`);
}

function isSocketFile(address: string): boolean {
  return !address.startsWith('\0') && !address.startsWith('\\\\?\\pipe\\');
}

function listenOn(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(address, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** What the claim's holder says about itself, `'gone'` when nobody answers. */
function askHolder(address: string): Promise<ClaimHolder | 'gone' | null> {
  return new Promise((resolve) => {
    const socket = connect(address);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, 1_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(parseHolder(text));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'gone' : null);
    });
  });
}

function parseHolder(text: string): ClaimHolder | null {
  try {
    const value = JSON.parse(text) as { pid?: unknown; url?: unknown };
    if (typeof value.pid !== 'number') return null;
    return { pid: value.pid, url: typeof value.url === 'string' ? value.url : null };
  } catch {
    return null;
  }
}
