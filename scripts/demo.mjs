// The README's first command ends here: `sdetkit agent demo` in this
// repository (everything it writes stays under .sdetkit/, git-ignored), then
// a short, readable account of what happened and where to look.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../apps/cli/dist/sdetkit.js', import.meta.url));
const started = process.hrtime.bigint();
const result = spawnSync(process.execPath, [cli, 'agent', 'demo', '--scenario', 'repo-enterprise-audit'], {
  encoding: 'utf8',
});
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write('$ sdetkit agent demo --scenario repo-enterprise-audit\n');
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
if (result.status !== 0) {
  process.stdout.write(`\ndemo: FAILED (exit ${result.status})\n`);
  process.exit(result.status ?? 1);
}
const demo = JSON.parse(result.stdout);
const lines = [
  '',
  `demo: ok in ${ms.toFixed(0)} ms`,
  ...demo.templates.map((t) => `  template ${t.id}: ${t.status}`),
  ...demo.runs.map(
    (r) => `  run ${r.status}${r.denied_by_policy ? ' (denied by policy, as expected)' : ''}: ${r.task}`,
  ),
  `  dashboard:      ${demo.artifacts.dashboard}  (open it in a browser)`,
  `  summary:        ${demo.artifacts.markdown_summary}`,
  `  evidence pack:  ${demo.artifacts.evidence_pack}  sha256 ${demo.artifacts.evidence_sha256}`,
  `  history verify: ${demo.verify.ok ? 'ok' : 'FAILED'} (${demo.verify.records} records, ledger ${demo.artifacts.ledger})`,
  '',
  'Next: sdetkit agent verify · sdetkit agent evidence verify .sdetkit/agent/workdir/evidence-pack.tar · docs/quickstart.md',
];
process.stdout.write(`${lines.join('\n')}\n`);
