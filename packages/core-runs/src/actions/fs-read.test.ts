import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempWorkspace } from '../testing/temp-workspace.js';
import { fsReadAction } from './fs-read.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
beforeEach(async () => {
  ws = await createTempWorkspace();
});
afterEach(() => ws.cleanup());

describe('fs.read', () => {
  it('reads at most max_bytes and says when it truncated', async () => {
    await writeFile(path.join(ws.root, 'a.txt'), 'hello world');
    const ctx = {
      workspaceRoot: ws.root,
      config: defaultAgentConfig(),
      signal: new AbortController().signal,
      capturedAt: '2024-01-01T00:00:00Z',
      resolvePath: async (p: string) => path.join(ws.root, p),
    };
    const outcome = await fsReadAction.handler(
      fsReadAction.input.parse({ path: 'a.txt', max_bytes: 5 }),
      ctx,
    );
    expect(outcome.payload).toMatchObject({ content: 'hello', size: 11, bytes_read: 5, truncated: true });
  });
});
