// Dashboard benchmark over synthetic history, whole `sdetkit` processes:
//   node scripts/bench-dashboard.mjs [--records 1000,10000,100000] [--format html] [--runs 3]
// For each size: cold builds (no summary index), then warm rebuilds, each
// after adding 10 new records; medians of --runs. Prints wall time and the CLI's peak memory (maxRSS).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createRunRecord,
  RUN_RECORD_SCHEMA_VERSION,
  serializeRunRecord,
} from '../packages/core-runs/dist/index.js';
import { emitRows, median, option, timeSdetkit } from './bench-lib.mjs';

const runs = Number(option('--runs', '3'));
const sizes = option('--records', '1000,10000,100000').split(',').map(Number);
const format = option('--format', 'html');
const ACTIONS = ['fs.write', 'fs.read', 'shell.run', 'report.build', 'repo.audit'];

function record(i) {
  const action = ACTIONS[i % ACTIONS.length];
  const failed = i % 9 === 0;
  return createRunRecord({
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    captured_at: `${new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().slice(0, 19)}Z`,
    task:
      i % 5 === 0
        ? `template:repo-health-audit #${i}`
        : `action ${action} {"path":".sdetkit/agent/workdir/f${i}.txt"}`,
    status: failed ? 'error' : 'ok',
    config_sha256: 'c'.repeat(64),
    steps: [
      {
        step_id: 'step-1',
        role: 'manager',
        kind: 'plan',
        action: null,
        message: `explicit action ${action}`,
        status: 'ok',
      },
      {
        step_id: 'step-2',
        role: 'worker',
        kind: 'action',
        action,
        message: `${action}: ok`,
        status: failed ? 'error' : 'ok',
      },
      {
        step_id: 'step-3',
        role: 'reviewer',
        kind: 'review',
        action: null,
        message: failed ? 'rejected' : 'accepted',
        status: failed ? 'error' : 'ok',
      },
    ],
    actions: [
      {
        action,
        worker_id: `worker-${(i % 2) + 1}`,
        params: { path: `.sdetkit/agent/workdir/f${i}.txt` },
        ok: !failed,
        approved: action === 'shell.run',
        denied: false,
        policy: {
          verdict: 'allowed',
          reason: 'allowed',
          approval: {
            required: false,
            approved: false,
            method: 'not-required',
            reason: 'no approval needed',
          },
        },
        payload: { path: `.sdetkit/agent/workdir/f${i}.txt`, bytes: 1, sha256: 'd'.repeat(64) },
      },
    ],
    outputs: {
      plan: { source: 'explicit', note: 'n', planned: 1 },
      review: { accepted: !failed, reasons: [] },
      artifacts: [],
      skipped: [],
    },
    cache: { enabled: true, keys: [] },
  });
}

function writeRecords(dir, from, to) {
  for (let i = from; i < to; i++) {
    const r = record(i);
    writeFileSync(path.join(dir, `${r.hash}.json`), serializeRunRecord(r));
  }
}

function build(workspace) {
  const { ms, rssMiB } = timeSdetkit(['agent', 'dashboard', 'build', '--format', format], {
    cwd: workspace,
  });
  return { ms, rss: rssMiB };
}

const rows = [];
const summarize = (samples) => ({
  ms: median(samples.map((s) => s.ms)),
  rss: Math.max(...samples.map((s) => s.rss)),
});
console.log(`| records | build | median of ${runs} wall (ms) | peak RSS (MiB) |`);
console.log('| ---: | --- | ---: | ---: |');
for (const size of sizes) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sdetkit-bench-dash-'));
  try {
    const history = path.join(workspace, '.sdetkit/agent/history');
    mkdirSync(history, { recursive: true });
    writeRecords(history, 0, size);
    const cold = summarize(
      Array.from({ length: runs }, () => {
        // Cold: no summary index, every record is parsed.
        rmSync(path.join(history, '.sdetkit-summary-index.jsonl'), { force: true });
        return build(workspace);
      }),
    );
    console.log(`| ${size} | cold (${format}) | ${cold.ms.toFixed(0)} | ${cold.rss.toFixed(0)} |`);
    let next = size;
    const warm = summarize(
      Array.from({ length: runs }, () => {
        writeRecords(history, next, next + 10);
        next += 10;
        return build(workspace);
      }),
    );
    console.log(`| ${size} | warm, +10 records | ${warm.ms.toFixed(0)} | ${warm.rss.toFixed(0)} |`);
    const label = size.toLocaleString('en-US');
    rows.push({
      scenario: `dashboard build (${format}), ${label} records, cold`,
      median_ms: cold.ms,
      peak_rss_mib: cold.rss,
      runs,
      detail: '',
    });
    rows.push({
      scenario: `dashboard build (${format}), ${label} records, warm (+10)`,
      median_ms: warm.ms,
      peak_rss_mib: warm.rss,
      runs,
      detail: '',
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
emitRows(rows);
console.log(
  `\nnode ${process.version}, ${process.platform}/${process.arch}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
);
