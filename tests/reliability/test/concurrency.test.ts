// Concurrency across processes: `agent run` and `templates run` processes and
// a server write one workspace at the same time. No record or line may be
// lost, torn or duplicated, and the ledger chain must stay valid.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkLedger, TEMP_PREFIX } from '@sdetkit/core-runs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scaled, startServer, tempWorkspace } from '../src/index.js';

const ROUNDS = scaled(2, 6);
const RUNS_PER_ROUND = scaled(6, 16);
const TEMPLATE_RUNS_PER_ROUND = scaled(3, 6);
const WEBHOOKS_PER_ROUND = scaled(60, 400);

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-concurrency-');
  expect((await runCli(ws.root, ['agent', 'init'])).code).toBe(0);
});
afterAll(() => ws.cleanup());

describe('concurrent writers in one workspace', () => {
  it('lose, tear and duplicate nothing; the ledger chain stays valid', async () => {
    const server = await startServer(ws.root, [
      '--rate-limit-max-tokens',
      '1000000',
      '--rate-limit-refill-per-second',
      '1000000',
    ]);
    const runHashes = new Set<string>();
    const templateHashes: string[] = [];
    const acknowledged: string[] = [];
    let retries = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const cliRuns = Array.from({ length: RUNS_PER_ROUND }, (_, i) =>
          runCli(ws.root, [
            'agent',
            'run',
            `action fs.write {"path":".sdetkit/agent/workdir/c-${round}-${i}.txt","content":"${round}-${i}"}`,
          ]),
        );
        const templateRuns = Array.from({ length: TEMPLATE_RUNS_PER_ROUND }, (_, i) =>
          runCli(ws.root, ['agent', 'templates', 'run', i % 2 ? 'history-export' : 'report-dashboard']),
        );
        const webhooks = Array.from({ length: WEBHOOKS_PER_ROUND }, async (_, i) => {
          const text = `action fs.write {"path":".sdetkit/agent/workdir/w-${round}-${i}.txt","content":"w"}`;
          // As a well-behaved client would: an idempotency key, and a retry when a
          // keep-alive connection closes under it. A retried request must not duplicate.
          let response: Response | undefined;
          for (let attempt = 0; !response; attempt++) {
            try {
              response = await fetch(server.url('/webhook/generic'), {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'idempotency-key': `race-${round}-${i}` },
                body: JSON.stringify({ channel: 'race', user_id: `user-${i % 7}`, text }),
              });
            } catch (error) {
              if (attempt >= 3) throw error;
              retries++;
            }
          }
          expect(response.status).toBe(200);
          const body = (await response.json()) as { result: { hash: string } };
          runHashes.add(body.result.hash);
          acknowledged.push(text);
        });
        const [cli, templates] = await Promise.all([
          Promise.all(cliRuns),
          Promise.all(templateRuns),
          Promise.all(webhooks),
        ]);
        for (const result of cli) {
          expect(result.code, result.stderr).toBe(0);
          runHashes.add((JSON.parse(result.stdout) as { hash: string }).hash);
        }
        for (const result of templates) {
          expect(result.code, result.stderr).toBe(0);
          templateHashes.push((JSON.parse(result.stdout) as { hash: string }).hash);
        }
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }

    // History: every run once, nothing else.
    const historyDir = path.join(ws.root, '.sdetkit/agent/history');
    const recordFiles = (await readdir(historyDir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    expect(new Set(recordFiles.map((n) => n.slice(0, -5)))).toEqual(runHashes);
    expect(runHashes.size).toBe(ROUNDS * (RUNS_PER_ROUND + WEBHOOKS_PER_ROUND));

    // Ledger: valid chain, each run exactly once, every template run there.
    const ledgerText = await readFile(path.join(ws.root, '.sdetkit/agent/ledger.jsonl'), 'utf8');
    const ledger = checkLedger(ledgerText);
    expect(ledger.ok, JSON.stringify(ledger.first_broken)).toBe(true);
    const entries = ledgerText
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; hash: string });
    const runEntries = entries.filter((e) => e.kind === 'run').map((e) => e.hash);
    expect(runEntries.length).toBe(runHashes.size);
    expect(new Set(runEntries)).toEqual(runHashes);
    const templateEntries = entries.filter((e) => e.kind === 'template-run').map((e) => e.hash);
    for (const hash of templateHashes) expect(templateEntries).toContain(hash);

    // Conversations: every acknowledged message once, every line whole.
    const dir = path.join(ws.root, '.sdetkit/agent/conversations/race');
    const lines: string[] = [];
    for (const name of await readdir(dir)) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      const text = await readFile(path.join(dir, name), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.trimEnd().split('\n')) lines.push((JSON.parse(line) as { text: string }).text);
    }
    expect(lines.sort()).toEqual([...acknowledged].sort());

    const verify = await runCli(ws.root, ['agent', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    console.info(
      `concurrency: ${ROUNDS} rounds, ${ROUNDS * RUNS_PER_ROUND} agent run + ${ROUNDS * TEMPLATE_RUNS_PER_ROUND} templates run processes + ${acknowledged.length} webhooks (${retries} retried after a dropped connection); ${entries.length} ledger entries`,
    );
  });
});
