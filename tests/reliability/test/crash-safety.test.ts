// Crash safety: SIGKILL CLI and server processes at random points while they
// write history records, the ledger, template artifacts, packs, dashboards,
// conversation lines and rate-limit state; then check that every file under
// its final name is complete and valid, `agent verify` passes (and leaves no
// staged record behind) and the server restarts and serves. Bounded in CI; SDETKIT_RELIABILITY_FULL=1 for the full run.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX } from '@sdetkit/core-runs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  listFiles,
  randomInt,
  runCli,
  SUITE_SEED,
  scaled,
  seededRandom,
  spawnCli,
  startServer,
  tempWorkspace,
} from '../src/index.js';

const KILLS = scaled(24, 200);
const SERVER_KILLS = scaled(4, 30);

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-crash-');
  expect((await runCli(ws.root, ['agent', 'init'])).code).toBe(0);
});
afterAll(() => ws.cleanup());

const OPERATIONS: Array<{ name: string; args: (i: number) => string[] }> = [
  {
    name: 'agent run',
    args: (i) => [
      'agent',
      'run',
      `action fs.write {"path":".sdetkit/agent/workdir/crash-${i}.txt","content":"${'x'.repeat(i * 97)}"}`,
    ],
  },
  { name: 'templates run report-dashboard', args: () => ['agent', 'templates', 'run', 'report-dashboard'] },
  { name: 'templates run history-export', args: () => ['agent', 'templates', 'run', 'history-export'] },
  { name: 'templates pack', args: () => ['agent', 'templates', 'pack'] },
  {
    name: 'dashboard build',
    args: (i) => ['agent', 'dashboard', 'build', '--format', ['html', 'md', 'json', 'csv'][i % 4]!],
  },
];

/**
 * Staged records (`history/.pending/`) are written in place: a killed writer
 * can leave one partial. They are not under a final name and nothing reads
 * them; recovery (`agent verify`, the next recorded run) publishes or drops
 * each one, which `stagedFiles` checks afterwards.
 */
const STAGED = 'agent/history/.pending/';

/** Staged record files left under `.sdetkit`. */
async function stagedFiles(root: string): Promise<string[]> {
  return (await listFiles(path.join(root, '.sdetkit'))).filter((f) => f.startsWith(STAGED));
}

/** How many staged files there are and how many of them are partial (for the report). */
async function countStaged(root: string): Promise<{ staged: number; partial: number }> {
  const files = await stagedFiles(root);
  let partial = 0;
  for (const rel of files) {
    try {
      JSON.parse(await readFile(path.join(root, '.sdetkit', rel), 'utf8'));
    } catch {
      partial++;
    }
  }
  return { staged: files.length, partial };
}

/** Every file under its final name must be complete: parseable and whole. */
async function checkFinalFiles(root: string): Promise<{ checked: number; temps: string[] }> {
  const files = await listFiles(path.join(root, '.sdetkit'));
  const temps = files.filter((f) => path.posix.basename(f).startsWith(TEMP_PREFIX));
  let checked = 0;
  for (const rel of files) {
    if (temps.includes(rel) || rel.endsWith('.lock') || rel.startsWith(STAGED)) continue;
    const full = path.join(root, '.sdetkit', rel);
    const text = await readFile(full, 'utf8');
    const where = `.sdetkit/${rel}`;
    if (rel.endsWith('.json')) {
      expect(() => JSON.parse(text), where).not.toThrow();
    } else if (rel.endsWith('.jsonl')) {
      expect(text === '' || text.endsWith('\n'), `${where} ends in a torn line`).toBe(true);
      for (const line of text.split('\n').filter(Boolean))
        expect(() => JSON.parse(line), `${where}: ${line.slice(0, 80)}`).not.toThrow();
    } else if (rel.endsWith('.html')) {
      expect(text.trimEnd().endsWith('</html>'), `${where} is cut short`).toBe(true);
    } else if (rel.endsWith('.tar')) {
      const verified = await runCli(root, ['agent', 'templates', 'verify', path.join('.sdetkit', rel)]);
      expect(verified.code, `${where}: ${verified.stdout}${verified.stderr}`).toBe(0);
    } else if (rel.endsWith('.csv') || rel.endsWith('.md')) {
      expect(text.length, `${where} is empty`).toBeGreaterThan(0);
      expect(text.endsWith('\n'), `${where} is cut short`).toBe(true);
    }
    checked++;
  }
  return { checked, temps };
}

describe(`crash safety (seed ${SUITE_SEED})`, () => {
  it(`survives ${KILLS} SIGKILLs of CLI writers at random points`, async () => {
    const random = seededRandom(SUITE_SEED);
    // How long each operation takes when left alone, so kills land inside it.
    const durations = new Map<string, number>();
    for (const op of OPERATIONS) {
      const started = Date.now();
      const result = await runCli(ws.root, op.args(0));
      expect(result.code, `${op.name}: ${result.stderr}`).toBe(0);
      durations.set(op.name, Date.now() - started);
    }
    let killed = 0;
    const killedDuring = new Map<string, number>();
    for (let i = 1; i <= KILLS; i++) {
      const op = OPERATIONS[randomInt(random, 0, OPERATIONS.length - 1)]!;
      const full = durations.get(op.name)!;
      const started = Date.now();
      const child = spawnCli(ws.root, op.args(i));
      const done = collect(child);
      const delay = randomInt(random, Math.floor(full * 0.3), Math.floor(full * 1.05));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const result = await done;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') {
        killed++;
        killedDuring.set(op.name, (killedDuring.get(op.name) ?? 0) + 1);
      } else {
        expect(result.code, `${op.name}: ${result.stderr}`).toBe(0);
        // The machine got faster (less load): aim later kills inside the shorter run.
        durations.set(op.name, Math.min(full, Date.now() - started));
      }
    }
    // Most kills must actually have interrupted something.
    expect(killed).toBeGreaterThan(KILLS / 3);

    const { checked, temps } = await checkFinalFiles(ws.root);
    expect(checked).toBeGreaterThan(5);
    const staged = await countStaged(ws.root);
    const verify = await runCli(ws.root, ['agent', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // Every killed writer's staged record was published or dropped by verify's recovery.
    expect(await stagedFiles(ws.root)).toEqual([]);
    const history = await runCli(ws.root, ['agent', 'history', '--limit', '1000']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stderr).not.toMatch(/warning/i);
    // Writers keep working afterwards (no stale lock blocks them).
    const after = await runCli(ws.root, OPERATIONS[0]!.args(KILLS + 1));
    expect(after.code, after.stderr).toBe(0);
    expect((await runCli(ws.root, ['agent', 'verify'])).code).toBe(0);
    console.info(
      `crash-safety: ${killed} of ${KILLS} CLI processes killed mid-write; ${checked} final files checked; ${temps.length} temp files left (ignored by every reader); ${staged.staged} staged records left (${staged.partial} partial), all published or dropped by verify`,
      [...killedDuring],
    );
  });

  it(`survives ${SERVER_KILLS} SIGKILLs of a server under load, then restarts and serves`, async () => {
    const random = seededRandom(SUITE_SEED + 1);
    let sent = 0;
    let acknowledged = 0;
    const acknowledgedTexts: string[] = [];
    for (let round = 0; round < SERVER_KILLS; round++) {
      const server = await startServer(ws.root, [
        '--rate-limit-max-tokens',
        '1000000',
        '--rate-limit-refill-per-second',
        '1000000',
      ]);
      const requests = Array.from({ length: 40 }, (_, k) => {
        const text = `note ${round}-${k}`;
        sent++;
        return fetch(server.url('/webhook/generic'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'crash', user_id: `user-${k % 5}`, text }),
        })
          .then(async (response) => {
            if (response.status === 200) {
              acknowledged++;
              acknowledgedTexts.push(text);
            }
          })
          .catch(() => undefined);
      });
      await new Promise((resolve) => setTimeout(resolve, randomInt(random, 30, 500)));
      await server.stop('SIGKILL');
      await Promise.all(requests);
    }
    // Every file under .sdetkit, rate-limit buckets included, is whole.
    await checkFinalFiles(ws.root);
    const staged = await countStaged(ws.root);
    // Every acknowledged message is on disk, once.
    const dir = path.join(ws.root, '.sdetkit/agent/conversations/crash');
    const lines: string[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      for (const line of (await readFile(path.join(dir, name), 'utf8')).split('\n').filter(Boolean))
        lines.push((JSON.parse(line) as { text: string }).text);
    }
    for (const text of acknowledgedTexts) expect(lines, `acknowledged ${text} is missing`).toContain(text);
    expect(new Set(lines).size).toBe(lines.length);
    const verify = await runCli(ws.root, ['agent', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(await stagedFiles(ws.root)).toEqual([]);
    // The server comes back and serves.
    const server = await startServer(ws.root);
    try {
      expect((await fetch(server.url('/healthz'))).status).toBe(200);
      const response = await fetch(server.url('/webhook/generic'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'crash', user_id: 'after', text: 'after the crashes' }),
      });
      expect(response.status, `${await response.text()}\n${server.output()}`).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect((await runCli(ws.root, ['agent', 'verify'])).code).toBe(0);
    console.info(
      `crash-safety: ${SERVER_KILLS} server kills, ${sent} requests sent, ${acknowledged} acknowledged; ${staged.staged} staged records left (${staged.partial} partial), all published or dropped by verify`,
    );
  });
});
