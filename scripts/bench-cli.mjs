// Times whole `sdetkit` processes: `agent --help` and one `agent run`, median
// of 5 after a warm-up, in a throw-away workspace. Run after a build:
//   node scripts/bench-cli.mjs
// Node.js start-up alone is also timed, and everything is repeated without
// NODE_EXTRA_CA_CERTS when it is set (loading extra CA certificates costs
// every Node.js process tens of milliseconds on some machines).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../apps/cli/dist/sdetkit.js', import.meta.url));
const RUNS = 5;
const task = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';
const cases = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ['sdetkit agent --help', [cli, 'agent', '--help']],
  ['sdetkit agent run', [cli, 'agent', 'run', task]],
];

function time(args, cwd, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const envs = [['environment as is', process.env]];
if (process.env.NODE_EXTRA_CA_CERTS) {
  const { NODE_EXTRA_CA_CERTS: _omit, ...rest } = process.env;
  envs.push(['without NODE_EXTRA_CA_CERTS', rest]);
}

const workspace = mkdtempSync(path.join(tmpdir(), 'sdetkit-bench-'));
try {
  spawnSync(process.execPath, [cli, 'agent', 'init'], { cwd: workspace, stdio: 'ignore' });
  console.log(`| case | environment | median of ${RUNS} (ms) |`);
  console.log('| --- | --- | --- |');
  for (const [envName, env] of envs) {
    for (const [name, args] of cases) {
      time(args, workspace, env);
      const samples = Array.from({ length: RUNS }, () => time(args, workspace, env));
      console.log(`| ${name} | ${envName} | ${median(samples).toFixed(0)} |`);
    }
  }
  console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
