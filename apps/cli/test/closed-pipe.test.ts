import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRunRecord, RUN_RECORD_SCHEMA_VERSION, serializeRunRecord } from '@sdetkit/core-runs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCHER, runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;

beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-pipe-');
  await runCli(ws.root, ['agent', 'init']);
  // Some history, so the history commands have something to print.
  const history = path.join(ws.root, '.sdetkit/agent/history');
  await mkdir(history, { recursive: true });
  for (let i = 0; i < 50; i++) {
    const record = createRunRecord({
      schema_version: RUN_RECORD_SCHEMA_VERSION,
      captured_at: `${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().slice(0, 19)}Z`,
      task: `free text task number ${i} ${'padding '.repeat(20)}`,
      status: 'ok',
      config_sha256: 'c'.repeat(64),
      steps: [],
      actions: [],
      outputs: {
        plan: { source: 'rules', note: 'n', planned: 0 },
        review: { accepted: true, reasons: [] },
        artifacts: [],
        skipped: [],
      },
      cache: { enabled: true, keys: [] },
    });
    await writeFile(path.join(history, `${record.hash}.json`), serializeRunRecord(record));
  }
});
afterAll(() => ws.cleanup());

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(LAUNCHER, args, {
    cwd: ws.root,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Like `| head -c 0`: the reader is gone before the CLI writes anything.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('a closed output pipe', () => {
  for (const args of [
    ['agent', '--help'],
    ['agent', 'history', 'export', '--format', 'json'],
    ['agent', 'history', '--limit', '500'],
  ]) {
    it(`ends \`sdetkit ${args.join(' ')}\` quietly with its exit code, no EPIPE stack trace`, async () => {
      const { code, stderr } = await runWithClosedStdout(args);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  }
});
