import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

// The server (Hono on node:http and node:http2, pino) lives in the command bundle behind a
// lazy import: everyday commands must not initialize it (it cost `agent run` ~8 MiB of RSS
// when `agent doctor`, an eager command, imported from @sdetkit/server).
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(() => ws.cleanup());

async function builtinsLoaded(args: string[]): Promise<string[]> {
  const preload = path.join(ws.root, 'modules.cjs');
  const out = path.join(ws.root, 'modules.txt');
  await writeFile(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));\n`,
  );
  const result = await runCli(ws.root, args, { NODE_OPTIONS: `--require ${preload}` });
  expect(result.code, result.stderr).toBe(0);
  return (await readFile(out, 'utf8')).split('\n');
}

describe('the server stays unloaded', () => {
  it('for agent run and agent doctor', async () => {
    await runCli(ws.root, ['agent', 'init']);
    for (const args of [
      ['agent', 'run', 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}'],
      ['agent', 'doctor'],
    ]) {
      const loaded = await builtinsLoaded(args);
      expect(loaded, args.join(' ')).not.toContain('NativeModule http');
      expect(loaded, args.join(' ')).not.toContain('NativeModule http2');
      // The check itself is live: worker_threads (the record writer) is there.
      expect(loaded).toContain('NativeModule worker_threads');
    }
  });
});
