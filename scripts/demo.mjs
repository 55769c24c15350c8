// The README's first command ends here: a short, offline tour of AgentOS in
// this repository (everything it writes stays under .sdetkit/, git-ignored).
// Each step runs the real `sdetkit` binary and shows the JSON it prints.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../apps/cli/dist/sdetkit.js', import.meta.url));
const steps = [
  { args: ['agent', 'init'], expect: 0 },
  { args: ['agent', 'doctor'], expect: 0 },
  {
    args: [
      'agent',
      'run',
      'action fs.write {"path":".sdetkit/agent/workdir/demo.txt","content":"hello from sdetkit"}',
    ],
    expect: 0,
  },
  { args: ['agent', 'run', 'action fs.write {"path":"package.json","content":"overwritten"}'], expect: 1 },
  { args: ['agent', 'run', 'action shell.run {"command":"rm -rf ."}'], expect: 1 },
  { args: ['agent', 'history', '--limit', '3'], expect: 0 },
  { args: ['agent', 'history', 'export', '--format', 'csv'], expect: 0 },
];

let failed = false;
for (const step of steps) {
  process.stdout.write(`\n$ sdetkit ${step.args.map(quote).join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...step.args], { encoding: 'utf8' });
  const output =
    result.stdout.length > 2500 ? `${result.stdout.slice(0, 2500)}\n... (truncated)\n` : result.stdout;
  process.stdout.write(output + result.stderr);
  process.stdout.write(`(exit ${result.status}, expected ${step.expect})\n`);
  if (result.status !== step.expect) failed = true;
}
process.stdout.write(
  failed
    ? '\ndemo: FAILED (an exit code differed from the expected one)\n'
    : '\ndemo: ok. The two denied runs were stopped by policy and recorded; see .sdetkit/agent/history/ and .sdetkit/agent/workdir/history-summary.csv\n',
);
process.exitCode = failed ? 1 : 0;

function quote(arg) {
  return /^[\w./=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
