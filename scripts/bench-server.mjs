// Server benchmark, loopback only and bounded: starts `sdetkit agent serve`
// on a free port, drives POST /webhook/generic with 16 concurrent keep-alive
// connections for 1 user and for 1,000 users, stops the server (SIGTERM,
// drain), then counts conversation lines: none may be lost or duplicated.
// The first --warmup requests (JIT warm-up, as with any load tool) are sent
// the same way and checked for lost or duplicated lines, but not timed. A
// fresh server keeps getting faster for its first ~10,000 requests, while V8
// optimizes its hot functions (measured: 300-600 functions optimized, and
// 1,000-1,500 req/s at the start against 2,300-2,700 after 10,000 requests
// on the same server); a shorter warm-up times that transient, not the
// server a deployment runs.
// CPU per timed request is reported for the server (all its threads, from
// /proc on Linux) and for this process, which generates the load on the same
// cores. "node -e 0 (ms)" is how long an empty Node.js took to start just
// before the scenario (median of 3, in this process's environment): on the
// shared reference machine one build ran at 2,097-3,808 req/s, with 306-628
// µs of server CPU per request, as its host got busier (2026-11-30), and
// this says how busy it was.
//   node scripts/bench-server.mjs [--requests 10000] [--connections 16] [--warmup 10000] [--dir DIR] [--keep] [--settle 300] [--client lean|node]
// --dir: where the workspaces go (default: the system temp folder).
// --keep: leave the workspaces (their paths are printed) instead of deleting
// them at exit; deleting 10,000 files slows file creation nearby for minutes
// (see below), so keep them when runs follow each other.
// --settle: at most this many seconds in all (default 300; 0: never) to look,
// before a scenario, for a new folder where creating a file takes under
// 50 µs (see below).
// --client: the load generator. `lean` (default) is bench-http-client.mjs,
// a minimal keep-alive client that costs the shared cores 40-70 µs per
// request; `node` is node:http's client (90-240 µs per request here once warm), the
// one figures before 2026-11-30 were measured with.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { driveRequests } from './bench-http-client.mjs';
import { emitRows, numberOption, option, peakRssMiB, RSS_PRELOAD } from './bench-lib.mjs';
import { retryWhileSlow } from './bench-settle.mjs';

const cli = fileURLToPath(new URL('../apps/cli/dist/sdetkit.js', import.meta.url));
const total = numberOption('--requests', 10000);
const connections = numberOption('--connections', 16);
const warmup = numberOption('--warmup', 10000);
const parent = path.resolve(option('--dir', tmpdir()));
const client = option('--client', 'lean');
const keep = process.argv.includes('--keep');
const settleSeconds = numberOption('--settle', 300);
if (!Number.isFinite(settleSeconds) || settleSeconds < 0) {
  console.error(`--settle: expected a number of seconds, 0 or more, got ${option('--settle', '')}`);
  process.exit(2);
}
if (client !== 'lean' && client !== 'node') {
  console.error(`--client: expected lean or node, got ${client}`);
  process.exit(2);
}
mkdirSync(parent, { recursive: true });

// Workspaces are removed only after every scenario. ext4 without a journal
// (the machine these figures come from) does not reuse an inode freed less
// than 60 seconds ago, 360 while its inode table block is not yet written
// back (`recently_deleted` in the kernel's fs/ext4/ialloc.c): creating a
// file then scans past every such inode in the block group. After this
// benchmark's own cleanup (about 40,000 files), creating one took 474-664
// µs instead of 10-20, for minutes (150 µs after a test suite), and the
// server, which creates one per request (its run record), is that much
// slower. So each scenario first times creating files in a new workspace
// (the "file create" column). While that is over SLOW_CREATE_MICROS, it
// waits 10 s and tries another new workspace (within --settle seconds in
// all; "settled (s)" says how long it waited): waiting in the same folder
// did not help, probably since its own new files keep the block dirty.
const roots = [];
const SLOW_CREATE_MICROS = 50;
const PROBE_FILES = 50;
let settleLeftMs = settleSeconds * 1000;

/**
 * A new workspace folder and the mean time to create (and close) an empty
 * file in it, in µs, over PROBE_FILES files left there: few, since each one
 * created in a slow block group may keep its inode table block dirty longer.
 */
function newWorkspace() {
  const root = mkdtempSync(path.join(parent, 'sdetkit-bench-server-'));
  roots.push(root);
  const dir = path.join(root, 'probe');
  mkdirSync(dir);
  const started = process.hrtime.bigint();
  for (let i = 0; i < PROBE_FILES; i++) closeSync(openSync(path.join(dir, `probe-${i}`), 'wx'));
  return { root, micros: Number(process.hrtime.bigint() - started) / PROBE_FILES / 1000 };
}

/**
 * A new workspace where creating a file is fast, or the last one tried
 * once --settle is used up. Nothing is deleted meanwhile.
 */
async function settledWorkspace() {
  const isSlow = (workspace) => workspace.micros > SLOW_CREATE_MICROS;
  const budgetMs = settleLeftMs;
  const { result, waitedMs } = await retryWhileSlow({
    attempt: newWorkspace,
    isSlow,
    budgetMs,
    onPause: (first, tries) => {
      if (tries > 1) return;
      console.error(
        `bench-server: creating a file in ${first.root} takes ${first.micros.toFixed(0)} µs (many files deleted nearby?); trying new folders for up to ${Math.ceil(budgetMs / 1000)} s until it takes under ${SLOW_CREATE_MICROS} µs`,
      );
    },
  });
  settleLeftMs = Math.max(0, settleLeftMs - waitedMs);
  if (isSlow(result) && settleSeconds > 0) {
    console.error(
      `bench-server: still ${result.micros.toFixed(0)} µs per file after ${(waitedMs / 1000).toFixed(0)} s; measuring anyway`,
    );
  }
  return { ...result, settledSeconds: waitedMs / 1000 };
}

/** The last `bytes` bytes of a file, as text. */
function tail(file, bytes) {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, bytes));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** How long starting an empty Node.js takes now, in ms (median of 3): how busy the machine is. */
function nodeStartMs() {
  const times = [0, 1, 2].map(() => {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    return Number(process.hrtime.bigint() - started) / 1e6;
  });
  return times.sort((a, b) => a - b)[1];
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS = 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; NaN where /proc is missing. */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

async function scenario(users) {
  const { root, micros: createMicros, settledSeconds } = await settledWorkspace();
  const startMs = nodeStartMs();
  spawnSync(process.execPath, [cli, 'agent', 'init'], { cwd: root, stdio: 'ignore' });
  const logFile = path.join(root, 'server.log');
  const logFd = openSync(logFile, 'w');
  const server = spawn(
    process.execPath,
    [
      '--require',
      RSS_PRELOAD,
      cli,
      'agent',
      'serve',
      '--port',
      '0',
      '--rate-limit-max-tokens',
      '1000000',
      '--rate-limit-refill-per-second',
      '1000000',
    ],
    {
      cwd: root,
      // The server's log lines (one per request) go to a file, not through this process: it
      // generates the load on the same cores, and reading 20,000 lines would take from them.
      stdio: ['ignore', 'pipe', logFd],
    },
  );
  closeSync(logFd);
  let out = '';
  const { port } = await new Promise((resolve, reject) => {
    server.stdout.on('data', (c) => {
      out += c;
      try {
        resolve(JSON.parse(out));
      } catch {}
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  // node:http's keep-alive pool, for --client node only.
  const agent = client === 'node' ? new http.Agent({ keepAlive: true, maxSockets: connections }) : undefined;
  let latencies = [];
  let next = 0;
  let failed = 0;
  const bodyOf = (i) => JSON.stringify({ channel: 'bench', user_id: `user-${i % users}`, text: `note ${i}` });
  const send = (i) =>
    new Promise((resolve) => {
      const body = bodyOf(i);
      const started = process.hrtime.bigint();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhook/generic',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) failed++;
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  const driveNode = (until) =>
    Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < until) await send(next++);
      }),
    );
  const driveLean = async (until) => {
    const from = next;
    next = until;
    await driveRequests({
      port,
      path: '/webhook/generic',
      connections,
      count: until - from,
      body: (i) => bodyOf(from + i),
      onResponse: (status, ms) => {
        if (status !== 200) failed++;
        latencies.push(ms);
      },
      onError: () => failed++,
    });
  };
  const drive = client === 'lean' ? driveLean : driveNode;
  await drive(warmup);
  latencies = [];
  const serverCpu0 = processCpuMs(server.pid);
  const driverCpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  await drive(warmup + total);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpu = processCpuMs(server.pid) - serverCpu0;
  const driverCpu = process.cpuUsage(driverCpu0);
  agent?.destroy();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('close', resolve));
  // The peak-RSS line comes last.
  const rss = peakRssMiB(tail(logFile, 65536));
  const dir = path.join(root, '.sdetkit/agent/conversations/bench');
  const texts = readdirSync(dir).flatMap((f) =>
    readFileSync(path.join(dir, f), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).text),
  );
  latencies.sort((a, b) => a - b);
  return {
    users,
    rps: total / seconds,
    createMicros,
    settledSeconds,
    startMs,
    serverCpuUs: (serverCpu * 1000) / total,
    driverCpuUs: (driverCpu.user + driverCpu.system) / total,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    failed,
    rss,
    lines: texts.length,
    lost: warmup + total - new Set(texts).size,
    duplicated: texts.length - new Set(texts).size,
  };
}

console.log(
  `| users | requests | connections | req/s | p50 (ms) | p99 (ms) | non-200 | lines | lost | duplicated | server peak RSS (MiB) | server CPU (µs/req) | load generator CPU (µs/req) | file create (µs) | settled (s) | node -e 0 (ms) |`,
);
console.log(
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
);
const rows = [];
process.on('exit', () => {
  if (keep) console.log(`\nworkspaces kept: ${roots.join(' ')}`);
  else for (const root of roots) rmSync(root, { recursive: true, force: true });
});
for (const users of [1, 1000]) {
  const r = await scenario(users);
  console.log(
    `| ${r.users} | ${total} | ${connections} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failed} | ${r.lines} | ${r.lost} | ${r.duplicated} | ${r.rss.toFixed(0)} | ${r.serverCpuUs.toFixed(0)} | ${r.driverCpuUs.toFixed(0)} | ${r.createMicros.toFixed(0)} | ${r.settledSeconds.toFixed(0)} | ${r.startMs.toFixed(0)} |`,
  );
  rows.push({
    scenario: `webhook ingress, ${users.toLocaleString('en-US')} user${users === 1 ? '' : 's'} (p50 latency)`,
    median_ms: r.p50,
    peak_rss_mib: r.rss,
    runs: total,
    detail: `${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ${connections} connections, after ${warmup} warm-up requests; non-200 ${r.failed}, lost ${r.lost}, duplicated ${r.duplicated}; server CPU ${r.serverCpuUs.toFixed(0)} µs/req; ${client} load generator ${r.driverCpuUs.toFixed(0)} µs/req; file create ${r.createMicros.toFixed(0)} µs${r.settledSeconds >= 1 ? ` after waiting ${r.settledSeconds.toFixed(0)} s for it to settle` : ''}; node -e 0 ${r.startMs.toFixed(0)} ms`,
  });
}
emitRows(rows);
console.log(
  `\nnode ${process.version}, ${process.platform}/${process.arch}; provider none; every request is a recorded AgentOS run; load generator: ${client === 'lean' ? 'bench-http-client.mjs' : 'node:http'}`,
);
