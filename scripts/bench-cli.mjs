// Times whole `sdetkit` processes (the installed command, apps/cli/bin/sdetkit),
// median of 5 after a warm-up, in a throw-away git workspace: `agent --help`,
// one `agent run`, `templates run-all` over the catalog, `templates pack` and
// `agent demo`. Run after a build:
//   node scripts/bench-cli.mjs
// Node.js start-up alone is also timed, `--help` and `run` also as
// `node dist/sdetkit.js` (no launcher), and everything is repeated without
// NODE_EXTRA_CA_CERTS when it is set (Node.js parses those certificates at
// every start; the launcher defers that to the first HTTPS request).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitRows, median, option, timeNode, timeSdetkit } from './bench-lib.mjs';

const cli = fileURLToPath(new URL('../apps/cli/dist/sdetkit.js', import.meta.url));
const RUNS = Number(option('--runs', '5'));
const task = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';
// [name, how to time it, arguments]
const cases = [
  ['node -e 0 (baseline)', timeNode, ['-e', '0']],
  ['sdetkit agent --help', timeSdetkit, ['agent', '--help']],
  ['sdetkit agent run', timeSdetkit, ['agent', 'run', task]],
  ['node dist/sdetkit.js agent --help', timeNode, [cli, 'agent', '--help']],
  ['node dist/sdetkit.js agent run', timeNode, [cli, 'agent', 'run', task]],
  ['sdetkit agent templates run-all', timeSdetkit, ['agent', 'templates', 'run-all']],
  ['sdetkit agent templates pack', timeSdetkit, ['agent', 'templates', 'pack']],
  ['sdetkit agent demo', timeSdetkit, ['agent', 'demo']],
];

const envs = [['environment as is', process.env]];
if (process.env.NODE_EXTRA_CA_CERTS) {
  const { NODE_EXTRA_CA_CERTS: _omit, ...rest } = process.env;
  envs.push(['without NODE_EXTRA_CA_CERTS', rest]);
}

const rows = [];
const workspace = mkdtempSync(path.join(tmpdir(), 'sdetkit-bench-'));
try {
  spawnSync(process.execPath, [cli, 'agent', 'init'], { cwd: workspace, stdio: 'ignore' });
  // A small committed repository, so change-only-audit has a base.
  const git = (...args) =>
    spawnSync('git', args, {
      cwd: workspace,
      stdio: 'ignore',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@e',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@e',
      },
    });
  writeFileSync(path.join(workspace, 'README.md'), '# bench\n');
  writeFileSync(path.join(workspace, '.gitignore'), '.sdetkit/\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench');
  console.log(`| case | environment | median of ${RUNS} (ms) | peak RSS (MiB) |`);
  console.log('| --- | --- | ---: | ---: |');
  for (const [envName, env] of envs) {
    for (const [name, time, args] of cases) {
      // agent demo exits 0 only when everything went as expected; the others must succeed.
      time(args, { cwd: workspace, env });
      const samples = Array.from({ length: RUNS }, () => time(args, { cwd: workspace, env }));
      const ms = median(samples.map((s) => s.ms));
      const rss = Math.max(...samples.map((s) => s.rssMiB));
      console.log(`| ${name} | ${envName} | ${ms.toFixed(0)} | ${rss.toFixed(0)} |`);
      rows.push({
        scenario: envName === 'environment as is' ? name : `${name} (${envName})`,
        median_ms: ms,
        peak_rss_mib: rss,
        runs: RUNS,
        detail: '',
      });
    }
  }
  console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}`);
  emitRows(rows);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
