import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCanariesIn, scanTreeForCanaries } from './canary-scan.js';
import { tempWorkspace } from './cli-process.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(() => ws.cleanup());

describe('canary scan', () => {
  it('finds a canary as is, base64 and URL-encoded, in hidden folders too', async () => {
    const canary = 'CANARY/s3cr3t+value';
    await mkdir(path.join(ws.root, '.sdetkit/agent/history'), { recursive: true });
    await writeFile(path.join(ws.root, '.sdetkit/agent/history/a.json'), `{"x":"${canary}"}`);
    await writeFile(path.join(ws.root, 'b64.txt'), Buffer.from(canary).toString('base64'));
    await writeFile(path.join(ws.root, 'url.txt'), `?token=${encodeURIComponent(canary)}`);
    await writeFile(path.join(ws.root, 'clean.txt'), 'nothing here');
    const { files, hits } = await scanTreeForCanaries(ws.root, [canary]);
    expect(files).toBe(4);
    expect(hits.map((h) => `${h.where}:${h.form}`).sort()).toEqual([
      '.sdetkit/agent/history/a.json:plain',
      'b64.txt:base64',
      'url.txt:url',
    ]);
    expect(findCanariesIn('stdout', 'clean', [canary])).toEqual([]);
  });
});
