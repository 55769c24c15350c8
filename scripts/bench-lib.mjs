// Shared helpers for the benchmark scripts: timing a whole process together
// with its peak memory, medians, and the machine-readable result that
// `scripts/bench.mjs` collects (`--json <file>` on any bench script).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Loaded with --require into every measured Node.js process: reports the
// process's peak resident set size on exit, on stderr, after everything else.
const RSS_MARKER = '__sdetkit_bench_maxrss=';
export const RSS_PRELOAD = path.join(os.tmpdir(), `sdetkit-bench-rss-${process.pid}.cjs`);
writeFileSync(
  RSS_PRELOAD,
  `process.on('exit', () => { try { require('node:fs').writeSync(2, '\\n${RSS_MARKER}' + process.resourceUsage().maxRSS + '\\n'); } catch {} });\n`,
);
process.on('exit', () => rmSync(RSS_PRELOAD, { force: true }));

/** Peak RSS in MiB reported by the preload in a process's stderr, or NaN. */
export function peakRssMiB(stderr) {
  const match = new RegExp(`${RSS_MARKER}(\\d+)`).exec(stderr);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** The `sdetkit` command as installed (package.json `bin`): a shell script that starts Node.js. */
export const SDETKIT = path.join(path.dirname(new URL(import.meta.url).pathname), '../apps/cli/bin/sdetkit');

/**
 * Runs `node ...args` to completion and returns its wall time (ms), peak RSS
 * (MiB), exit status and output. Throws when the exit status is not `expect`.
 */
export function timeNode(args, options = {}) {
  return timeProcess(process.execPath, ['--require', RSS_PRELOAD, ...args], options);
}

/** `timeNode` for the `sdetkit` command itself (the preload goes in through NODE_OPTIONS). */
export function timeSdetkit(args, { env = process.env, ...options } = {}) {
  const nodeOptions = [env.NODE_OPTIONS, `--require ${RSS_PRELOAD}`].filter(Boolean).join(' ');
  return timeProcess(SDETKIT, args, { ...options, env: { ...env, NODE_OPTIONS: nodeOptions } });
}

function timeProcess(command, args, { cwd, env = process.env, expect = 0 } = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== expect) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(-2000)}`,
    );
  }
  return { ms, rssMiB: peakRssMiB(result.stderr), stdout: result.stdout, stderr: result.stderr };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Value of `--name <value>` in argv, or the fallback. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** `option` as a number. */
export function numberOption(name, fallback) {
  return Number(option(name, String(fallback)));
}

/**
 * Result rows for `scripts/bench.mjs`: { scenario, median_ms, peak_rss_mib,
 * runs, detail }. Written only when the script was given `--json <file>`.
 */
export function emitRows(rows) {
  const file = option('--json', undefined);
  if (file) writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}
