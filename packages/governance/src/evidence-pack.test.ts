import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VerifyResult } from '@sdetkit/core-runs';
import { summarizeHistory } from '@sdetkit/dashboard-renderers';
import { defaultAgentConfig } from '@sdetkit/policy';
import { createDeterministicTar, parseTemplate, readTarFiles } from '@sdetkit/templates';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlsSnapshot } from './controls-snapshot.js';
import { buildEvidencePack, verifyEvidencePack } from './evidence-pack.js';

let root: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-evidence-')));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const verify: VerifyResult = {
  ok: true,
  records: 1,
  problems: [],
  ledger: { file: 'ledger.jsonl', entries: 1, ok: true, first_broken: null },
};
const template = parseTemplate(
  'metadata: {id: t, title: T, version: 1.0.0, description: d}\nworkflow:\n  - {id: s, action: fs.read, with: {path: x}}\n',
  't.yaml',
);
const summary = () =>
  summarizeHistory([
    [
      `${'a'.repeat(64)}.json`,
      '2024-03-01T00:00:00Z',
      'error',
      '=cmd() <b>',
      ['fs.write'],
      ['worker-1'],
      0,
      1,
      0,
      10,
      1,
    ],
  ]);

describe('buildEvidencePack', () => {
  it('holds dashboards, history, failures, controls, catalog checksums and verify, byte-identically', async () => {
    const controls = await controlsSnapshot(root, defaultAgentConfig(), '2024-03-31');
    const a = await buildEvidencePack({ summary: summary(), controls, templates: [template], verify });
    const b = await buildEvidencePack({ summary: summary(), controls, templates: [template], verify });
    expect(b.sha256).toBe(a.sha256);
    expect(a.files).toEqual([
      'SHA256SUMS',
      'controls/controls.json',
      'dashboard/dashboard.html',
      'dashboard/dashboard.md',
      'evidence.json',
      'history/failures.json',
      'history/history.csv',
      'templates/SHA256SUMS',
      'templates/catalog.json',
      'templates/pack-sha256.txt',
      'verify/verify.json',
    ]);
    const files = new Map((await readTarFiles(a.archive)).map((f) => [f.name, f.data.toString('utf8')]));
    expect(JSON.parse(files.get('history/failures.json')!).failures).toHaveLength(1);
    expect(files.get('history/history.csv')).toContain("'=cmd()");
    expect(files.get('dashboard/dashboard.html')).not.toContain('<b>');
    expect(await verifyEvidencePack(a.archive)).toMatchObject({ ok: true, files: 11 });
  });

  it('lists waivers with their status in the controls snapshot', async () => {
    await mkdir(path.join(root, '.sdetkit'), { recursive: true });
    await writeFile(
      path.join(root, '.sdetkit/waivers.yaml'),
      'waivers:\n  - {rule: core.license, owner: a, reason: r, expires: 2024-01-01}\n  - {rule: core.readme, owner: b, reason: r, expires: 2030-01-01}\n',
    );
    const controls = await controlsSnapshot(root, defaultAgentConfig(), '2024-03-31');
    expect(controls.waivers.map((w) => w.status)).toEqual(['expired', 'active']);
    expect(controls.allowlists.write).toEqual(['.sdetkit/agent/workdir']);
  });
});

describe('verifyEvidencePack', () => {
  it('catches a modified file, an extra file and a missing manifest', async () => {
    const pack = await buildEvidencePack({ summary: summary(), controls: {}, templates: [], verify });
    const files = await readTarFiles(pack.archive);
    const modified = files.map((f) => (f.name === 'evidence.json' ? { ...f, data: Buffer.from('{}') } : f));
    expect((await verifyEvidencePack(await createDeterministicTar(modified))).problems).toEqual([
      'evidence.json: checksum mismatch',
    ]);
    const extra = [...files, { name: 'notes.txt', data: Buffer.from('x') }];
    expect((await verifyEvidencePack(await createDeterministicTar(extra))).problems).toEqual([
      'notes.txt: not listed in SHA256SUMS',
    ]);
    const noManifest = files.filter((f) => f.name !== 'SHA256SUMS');
    expect((await verifyEvidencePack(await createDeterministicTar(noManifest))).problems).toEqual([
      'SHA256SUMS is missing',
    ]);
  });
});
