// `pnpm bench` itself: the aggregator runs a scenario script, collects its
// machine-readable rows and writes the markdown table with the machine.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempWorkspace } from '../src/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-bench-test-');
});
afterAll(() => ws.cleanup());

describe('scripts/bench.mjs', () => {
  it('writes a table of medians and peak memory with the machine it ran on', async () => {
    const output = path.join(ws.root, 'benchmarks.md');
    const result = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts/bench.mjs'), '--quick', '--only', 'bench-cli', '--output', output],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } },
    );
    expect(result.status, result.stderr).toBe(0);
    const text = await readFile(output, 'utf8');
    expect(text).toMatch(/^Machine: \d+ × .+, \d+ GiB, Node\.js v20\.\d+\.\d+, linux\/x64/m);
    const rows = text
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| scenario') && !line.startsWith('| ---'));
    const scenarios = rows.map((row) => row.split('|')[1]!.trim());
    expect(scenarios).toEqual([
      'node -e 0 (baseline)',
      'sdetkit agent --help',
      'sdetkit agent run',
      'node dist/sdetkit.js agent --help',
      'node dist/sdetkit.js agent run',
      'sdetkit agent templates run-all',
      'sdetkit agent templates pack',
      'sdetkit agent demo',
    ]);
    for (const row of rows) {
      const [, , median, rss, runs] = row.split('|').map((cell) => cell.trim());
      expect(Number(median), row).toBeGreaterThan(0);
      expect(Number(rss), row).toBeGreaterThan(10);
      expect(runs).toBe('2');
    }
  });

  it('refuses an unknown scenario with exit 2', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/bench.mjs'), '--only', 'nope'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('known scenarios are bench-cli.mjs');
  });
});
