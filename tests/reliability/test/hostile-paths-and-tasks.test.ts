// Hostile paths and task strings (fast-check): whatever the path or task, a
// run never touches anything outside the workspace, never throws past the
// orchestrator, and records a denial or error instead.
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createBuiltinRegistry, parseActionTask, runTask } from '@sdetkit/core-runs';
import {
  createApprovalGate,
  defaultAgentConfig,
  isInside,
  isSdetkitError,
  resolveWorkspacePath,
} from '@sdetkit/policy';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_SEED, scaled, tempWorkspace } from '../src/index.js';

const RUNS = scaled(300, 5000);
let sandbox: Awaited<ReturnType<typeof tempWorkspace>>;
let root: string;
let outside: string;

beforeAll(async () => {
  sandbox = await tempWorkspace('sdetkit-hostile-paths-');
  root = path.join(sandbox.root, 'ws');
  outside = path.join(sandbox.root, 'outside');
  await mkdir(path.join(root, '.sdetkit/agent/workdir/inner'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'secret.txt'), 'outside');
  // Links that leave the workspace (file, folder, dangling) and one that stays inside.
  await symlink(outside, path.join(root, 'out-dir'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'out-file'));
  await symlink(path.join(sandbox.root, 'nowhere'), path.join(root, 'dangling'));
  await symlink(
    path.join(root, '.sdetkit/agent/workdir/inner'),
    path.join(root, '.sdetkit/agent/workdir/in-link'),
  );
});
afterAll(() => sandbox.cleanup());

/** Path segments chosen to hurt: traversal, links, unicode, NUL, separators, very long names. */
const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '',
    'out-dir',
    'out-file',
    'dangling',
    'in-link',
    '.sdetkit',
    'agent',
    'workdir',
    '\0',
    'a\0b',
    '\\..\\..',
    'C:',
    '~',
    '%2e%2e',
    '‮txt.exe',
    'ｆｕｌｌ',
    '..\u2215..',
    'x'.repeat(300),
    'é'.repeat(200),
  ),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const hostilePath = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/')),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constant('x/'.repeat(2100)),
);

async function outsideUnchanged(): Promise<void> {
  expect(await readdir(outside)).toEqual(['secret.txt']);
  expect(await readdir(sandbox.root)).toEqual(['outside', 'ws']);
}

describe(`hostile paths (seed ${SUITE_SEED}, ${RUNS} runs)`, () => {
  it('resolveWorkspacePath returns a path inside the real workspace or refuses with a clear error', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePath, async (input) => {
        let resolved: Awaited<ReturnType<typeof resolveWorkspacePath>>;
        try {
          resolved = await resolveWorkspacePath(root, input);
        } catch (error) {
          // Policy refusals are typed; the OS may refuse an over-long name, with its code.
          const e = error as NodeJS.ErrnoException;
          expect(isSdetkitError(e) || e.code === 'ENAMETOOLONG', String(e)).toBe(true);
          expect(e.message.length).toBeGreaterThan(0);
          return;
        }
        expect(isInside(root, resolved.absolute), resolved.absolute).toBe(true);
        expect(resolved.relative === '..' || resolved.relative.startsWith('../')).toBe(false);
        expect(path.isAbsolute(resolved.relative)).toBe(false);
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
  });

  it('fs.write and fs.read with hostile paths are recorded as denied or failed, never escape', async () => {
    const registry = createBuiltinRegistry();
    const config = defaultAgentConfig();
    const approvalGate = createApprovalGate({ approveAll: true });
    let denied = 0;
    await fc.assert(
      fc.asyncProperty(hostilePath, fc.constantFrom('fs.write', 'fs.read'), async (p, action) => {
        const task = `action ${action} ${JSON.stringify({ path: p, content: 'pwned' })}`;
        const record = await runTask({ task, workspaceRoot: root, config, registry, approvalGate });
        expect(['ok', 'error']).toContain(record.status);
        const text = JSON.stringify(record);
        // No absolute path of this machine ever lands in a record.
        expect(text).not.toContain(sandbox.root);
        if (record.actions[0]?.denied) denied++;
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
    await outsideUnchanged();
    expect(denied).toBeGreaterThan(RUNS / 10);
  });
});

describe(`hostile task strings (seed ${SUITE_SEED}, ${RUNS} runs)`, () => {
  const taskText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .tuple(
        fc.constantFrom('fs.write', 'fs.read', 'shell.run', 'nope', '__proto__', 'constructor', ''),
        fc.oneof(
          fc.json({ maxDepth: 3 }),
          fc.constantFrom(
            '{"__proto__":{"polluted":1}}',
            '{"constructor":{"prototype":{"polluted":1}}}',
            '{',
            '[]',
          ),
        ),
      )
      .map(([name, json]) => `action ${name} ${json}`),
    fc.constantFrom(
      'action shell.run {"argv":["sh","-c","echo pwned > /tmp/sdetkit-pwned"]}',
      'action shell.run {"command":"rm -rf / ; echo"}',
      'action shell.run {"command":"echo $(id)"}',
      `action fs.write ${JSON.stringify({ path: '.sdetkit/agent/workdir/x', content: 'y'.repeat(100_000) })}`,
    ),
  );

  it('parses or refuses every task, and every run ends as a record without polluting prototypes', async () => {
    const registry = createBuiltinRegistry();
    const config = defaultAgentConfig();
    const approvalGate = createApprovalGate();
    await fc.assert(
      fc.asyncProperty(taskText, async (task) => {
        try {
          parseActionTask(task);
        } catch (error) {
          expect(isSdetkitError(error), String(error)).toBe(true);
        }
        const record = await runTask({ task, workspaceRoot: root, config, registry, approvalGate });
        expect(['ok', 'error']).toContain(record.status);
        expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
        // Shell commands need approval (none without a TTY) or are refused as invalid: nothing ran.
        for (const a of record.actions) if (a.action === 'shell.run') expect(a.denied || !a.ok).toBe(true);
        await expect(readdir('/tmp')).resolves.not.toContain('sdetkit-pwned');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
    await outsideUnchanged();
  });
});
