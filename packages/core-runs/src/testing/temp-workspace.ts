import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh workspace folder for one test; `cleanup` removes it. */
export async function createTempWorkspace(
  prefix = 'sdetkit-ws-',
): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  await mkdir(path.join(root, '.sdetkit/agent/workdir'), { recursive: true });
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
