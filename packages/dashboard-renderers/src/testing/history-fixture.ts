import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createRunRecord,
  RUN_RECORD_SCHEMA_VERSION,
  type RunRecord,
  serializeRunRecord,
} from '@sdetkit/core-runs';

export interface FixtureRun {
  task: string;
  captured_at: string;
  status?: 'ok' | 'error';
  actions?: { action: string; worker_id?: string; ok?: boolean; approved?: boolean; denied?: boolean }[];
}

export function fixtureRecord(run: FixtureRun): RunRecord {
  return createRunRecord({
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    captured_at: run.captured_at,
    task: run.task,
    status: run.status ?? 'ok',
    config_sha256: '0'.repeat(64),
    steps: [],
    actions: (run.actions ?? []).map((a, i) => ({
      action: a.action,
      worker_id: a.worker_id ?? `worker-${(i % 2) + 1}`,
      params: {},
      ok: a.ok ?? true,
      approved: a.approved ?? false,
      denied: a.denied ?? false,
      policy: {
        verdict: 'allowed',
        reason: 'allowed',
        approval: { required: false, approved: false, method: 'not-required', reason: 'no approval needed' },
      },
      payload: {},
    })),
    outputs: {},
    cache: { enabled: false, keys: [] },
  });
}

/** A temp workspace with `.sdetkit/agent/history` holding the given runs. */
export async function createHistoryFixture(runs: FixtureRun[]) {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-dash-')));
  const historyDir = path.join(root, '.sdetkit/agent/history');
  await mkdir(historyDir, { recursive: true });
  const records = runs.map(fixtureRecord);
  for (const record of records)
    await writeFile(path.join(historyDir, `${record.hash}.json`), serializeRunRecord(record));
  return {
    root,
    historyDir,
    records,
    file: (relative: string) => ({ absolute: path.join(root, relative), relative }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A small, varied history used by several tests. */
export const SAMPLE_RUNS: FixtureRun[] = [
  {
    task: 'action fs.write {"path":"a"}',
    captured_at: '2024-03-01T10:00:00Z',
    actions: [{ action: 'fs.write' }],
  },
  {
    task: 'template:repo-health-audit',
    captured_at: '2024-03-01T11:00:00Z',
    actions: [{ action: 'repo.audit' }, { action: 'fs.write' }],
  },
  {
    task: 'action shell.run {"command":"npm test"}',
    captured_at: '2024-03-02T09:00:00Z',
    status: 'error',
    actions: [{ action: 'shell.run', approved: true, ok: false }],
  },
  {
    task: '<script>alert(1)</script> | =cmd',
    captured_at: '2024-03-03T08:00:00Z',
    status: 'error',
    actions: [{ action: 'fs.write', denied: true, ok: false }],
  },
  { task: 'build the dashboard', captured_at: '2024-03-03T09:00:00Z', actions: [{ action: 'report.build' }] },
];
