// Every performance scenario in one command (`npx -y pnpm@12.4.2 bench`, or
// `npm run bench`): CLI cold start, one run, templates run-all and pack, the
// demo, dashboards at 1k/10k/100k records cold and warm, a 10,000-file
// repository audit and webhook ingress for 1 and 1,000 users. Loopback only;
// each scenario script runs under a time limit. Writes a markdown table of
// medians and peak memory, with the machine it ran on, to
// docs/reference/benchmarks.md (or --output <file>) and to stdout.
//   node scripts/bench.mjs [--quick] [--only bench-cli,...] [--output docs/reference/benchmarks.md]
// --quick shrinks every scenario (fewer runs, 10k dashboard records at most,
// 1,000 requests) for a fast smoke check; the committed table is a full run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './bench-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const output = path.resolve(root, option('--output', 'docs/reference/benchmarks.md'));
const cli = path.join(root, 'apps/cli/dist/sdetkit.js');
if (!existsSync(cli)) {
  console.error(
    `bench error: ${path.relative(root, cli)} is missing; build first (npx -y pnpm@12.4.2 run build)`,
  );
  process.exit(2);
}

const MINUTE = 60_000;
const scenarios = [
  { script: 'bench-cli.mjs', args: ['--runs', quick ? '2' : '5'], limit: 10 * MINUTE },
  {
    script: 'bench-dashboard.mjs',
    args: ['--records', quick ? '1000,10000' : '1000,10000,100000', '--runs', quick ? '1' : '3'],
    limit: 15 * MINUTE,
  },
  { script: 'bench-audit.mjs', args: ['--files', '10000', '--runs', quick ? '1' : '5'], limit: 10 * MINUTE },
  // The server's workspaces go under node_modules/.cache, away from the temp folder the
  // scenarios before it fill and empty: on ext4 without a journal, creating files (one per
  // request) is several times slower for minutes next to many just-deleted ones.
  {
    script: 'bench-server.mjs',
    args: [
      '--requests',
      quick ? '1000' : '10000',
      '--warmup',
      quick ? '1000' : '10000',
      '--dir',
      path.join(root, 'node_modules/.cache/sdetkit-bench-server'),
    ],
    limit: 10 * MINUTE,
  },
];

// --only bench-cli,bench-server runs a subset (used by the suite's own test).
const only = option('--only', '')
  .split(',')
  .filter(Boolean)
  .map((name) => name.replace(/\.mjs$/, ''));
const selected = only.length
  ? scenarios.filter((s) => only.includes(s.script.replace(/\.mjs$/, '')))
  : scenarios;
if (only.length && selected.length !== only.length) {
  console.error(
    `bench error: --only ${only.join(',')}: known scenarios are ${scenarios.map((s) => s.script).join(', ')}`,
  );
  process.exit(2);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sdetkit-bench-all-'));
const rows = [];
const failures = [];
const started = Date.now();
try {
  for (const { script, args, limit } of selected) {
    const json = path.join(scratch, `${script}.json`);
    console.error(`bench: ${script} ${args.join(' ')}`);
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'scripts', script), ...args, '--json', json],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: limit,
        killSignal: 'SIGKILL',
      },
    );
    if (result.status !== 0 || !existsSync(json)) {
      failures.push(
        `${script}: ${result.error ? result.error.message : `exited ${result.status ?? result.signal}`}`,
      );
      continue;
    }
    rows.push(...JSON.parse(readFileSync(json, 'utf8')));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const cpus = os.cpus();
const machine = [
  `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
  `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
  `Node.js ${process.version}`,
  `${process.platform}/${process.arch}`,
  `NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
].join(', ');
const fmt = (n) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : 'n/a');
const table = [
  '| scenario | median (ms) | peak RSS (MiB) | runs | detail |',
  '| --- | ---: | ---: | ---: | --- |',
  ...rows.map(
    (r) => `| ${r.scenario} | ${fmt(r.median_ms)} | ${fmt(r.peak_rss_mib)} | ${r.runs} | ${r.detail} |`,
  ),
].join('\n');
const text = `# Benchmarks (latest run)

Written by \`npx -y pnpm@12.4.2 bench\` (\`node scripts/bench.mjs${quick ? ' --quick' : ''}\`) on
${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s in all.

Machine: ${machine}.

Every figure is a whole process (or, for webhook ingress, requests against a
whole \`sdetkit agent serve\` process on loopback). Medians over the runs shown;
peak RSS is the largest maximum resident set size of the measured process
(the server's over the whole scenario). See [performance.md](performance.md)
for the scenarios, the targets and what limits them.

${table}
${failures.length ? `\nScenarios that failed or ran out of time: ${failures.join('; ')}.\n` : ''}`;
writeFileSync(output, text);
// Format it the way the repository's formatter does, so `biome ci` stays green after a bench.
const biome = path.join(root, 'node_modules/.bin/biome');
if (existsSync(biome)) spawnSync(biome, ['format', '--write', output], { cwd: root, stdio: 'ignore' });
console.log(`\n${table}\n\nMachine: ${machine}\nwritten to ${path.relative(root, output)}`);
if (failures.length) {
  console.error(`bench error: ${failures.join('; ')}`);
  process.exit(1);
}
