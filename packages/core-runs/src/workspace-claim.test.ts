import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  claimAddress,
  claimWorkspace,
  findWorkspaceHolder,
  type WorkspaceClaim,
  WorkspaceInUseError,
} from './workspace-claim.js';

let dir: string;
const claims: WorkspaceClaim[] = [];
const claim = async (...args: Parameters<typeof claimWorkspace>) => {
  const made = await claimWorkspace(...args);
  claims.push(made);
  return made;
};
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sdetkit-claim-'));
});
afterEach(async () => {
  await Promise.all(claims.splice(0).map((c) => c.release()));
  await rm(dir, { recursive: true, force: true });
});

describe('claimWorkspace', () => {
  it('refuses a second claim on the same folder, naming the holder, until the first is released', async () => {
    const workspace = path.join(dir, 'ws');
    await mkdir(workspace);
    const first = await claim(workspace);
    const refused = await claimWorkspace(workspace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkspaceInUseError);
    expect(refused).toMatchObject({ folder: workspace, holder: { pid: process.pid, url: null } });

    first.serving('http://127.0.0.1:8787');
    const named = await claimWorkspace(workspace).catch((error: unknown) => error);
    expect((named as Error).message).toBe(
      `another sdetkit server is serving ${workspace} (pid ${process.pid}, http://127.0.0.1:8787): stop it first, or serve another folder`,
    );

    await first.release();
    await first.release(); // idempotent
    const second = await claim(workspace);
    expect(second.address).toBe(first.address);
  });

  it('tells who serves a folder without claiming it', async () => {
    const workspace = path.join(dir, 'ws');
    await mkdir(workspace);
    expect(await findWorkspaceHolder(workspace)).toBeNull();
    const first = await claim(workspace);
    first.serving('http://127.0.0.1:9');
    expect(await findWorkspaceHolder(workspace)).toEqual({
      holder: { pid: process.pid, url: 'http://127.0.0.1:9' },
    });
    await first.release();
    expect(await findWorkspaceHolder(workspace)).toBeNull();
    expect(await findWorkspaceHolder(path.join(dir, 'missing'))).toBeNull();
  });

  it('knows a folder by its real path: a symlink to a claimed folder is the same folder', async () => {
    const workspace = path.join(dir, 'ws');
    await mkdir(workspace);
    await symlink(workspace, path.join(dir, 'link'));
    await claim(workspace);
    await expect(claimWorkspace(path.join(dir, 'link'))).rejects.toBeInstanceOf(WorkspaceInUseError);
    await expect(claimWorkspace(path.join(dir, 'ws', '.'))).rejects.toBeInstanceOf(WorkspaceInUseError);
  });

  it('lets different folders be served at once', async () => {
    await mkdir(path.join(dir, 'a'));
    await mkdir(path.join(dir, 'b'));
    const a = await claim(path.join(dir, 'a'));
    const b = await claim(path.join(dir, 'b'));
    expect(a.address).not.toBe(b.address);
  });

  it('claims a folder that does not exist yet by its absolute path', async () => {
    const missing = path.join(dir, 'missing');
    const first = await claim(missing);
    expect(first.address).toBe(claimAddress(path.resolve(missing)));
    await expect(claimWorkspace(missing)).rejects.toBeInstanceOf(WorkspaceInUseError);
  });

  it('serves unguarded, saying why, when the system refuses the socket itself', async () => {
    const workspace = path.join(dir, 'ws');
    await mkdir(workspace);
    // A socket file where no socket can be made: under a regular file.
    await writeFile(path.join(dir, 'file'), '');
    const blocked = await claimWorkspace(workspace, { platform: 'darwin', tmp: path.join(dir, 'file') });
    expect(blocked.unavailable).toMatch(/^cannot listen on the claim's socket \(.*ENOTDIR/);
    await blocked.release();
  });

  it('names one address per real path: abstract on Linux, a named pipe on Windows, a socket file elsewhere', async () => {
    const real = await realpath(dir);
    const linux = claimAddress(real, 'linux');
    expect(linux).toMatch(/^\0sdetkit-serve-[0-9a-f]{32}$/);
    expect(claimAddress(real, 'win32')).toBe(`\\\\?\\pipe\\${linux.slice(1)}`);
    expect(claimAddress(real, 'darwin')).toBe(path.join(tmpdir(), `${linux.slice(1)}.sock`));
    expect(claimAddress(`${real}/other`, 'linux')).not.toBe(linux);
  });

  it('with a socket file, replaces one nobody answers (left by a crash) and refuses a live one', async () => {
    const workspace = path.join(dir, 'ws');
    await mkdir(workspace);
    const file = claimAddress(await realpath(workspace), 'darwin');
    // What a killed holder leaves: a file at the address that no process listens on.
    await writeFile(file, '');
    try {
      const first = await claim(workspace, { platform: 'darwin' });
      expect(first.address).toBe(file);
      await expect(claimWorkspace(workspace, { platform: 'darwin' })).rejects.toMatchObject({
        holder: { pid: process.pid },
      });
      await first.release();
    } finally {
      await rm(file, { force: true });
    }
  });
});
