// Resource limits: a large history folder, a 50 MiB webhook body, a
// slowloris client, a template with thousands of steps and a shell command
// that floods its output. Each must be bounded in time and memory and leave
// the tool (and the server) working.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createRunRecord, RUN_RECORD_SCHEMA_VERSION, serializeRunRecord } from '@sdetkit/core-runs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scaled, startServer, tempWorkspace } from '../src/index.js';

const HISTORY_RECORDS = scaled(5_000, 50_000);

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let preload: string;
beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-limits-');
  await runCli(ws.root, ['agent', 'init']);
  preload = path.join(ws.root, '.rss-preload.cjs');
  await writeFile(
    preload,
    "process.on('exit', () => require('node:fs').writeSync(2, '\\n__maxrss=' + process.resourceUsage().maxRSS + '\\n'));\n",
  );
});
afterAll(() => ws.cleanup());

/** Runs the CLI and returns its result plus its peak RSS in MiB. */
async function measured(args: string[], env: Record<string, string> = {}) {
  const result = await runCli(ws.root, args, { NODE_OPTIONS: `--require ${preload}`, ...env });
  const rss = Number(/__maxrss=(\d+)/.exec(result.stderr)?.[1] ?? Number.NaN) / 1024;
  return { ...result, rss };
}

/** Peak and current resident memory of a process, from /proc (MiB). */
async function memoryOf(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
}

describe('resource limits', () => {
  it(`a history folder of ${HISTORY_RECORDS.toLocaleString('en-US')} records lists, exports and renders within bounded memory`, async () => {
    const dir = path.join(ws.root, '.sdetkit/agent/history');
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < HISTORY_RECORDS; i++) {
      const record = createRunRecord({
        schema_version: RUN_RECORD_SCHEMA_VERSION,
        captured_at: `${new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().slice(0, 19)}Z`,
        task: `action fs.write {"path":".sdetkit/agent/workdir/f${i}.txt"}`,
        status: i % 7 === 0 ? 'error' : 'ok',
        config_sha256: 'c'.repeat(64),
        steps: [],
        actions: [],
        outputs: {},
        cache: { enabled: false, keys: [] },
      });
      writes.push(writeFile(path.join(dir, `${record.hash}.json`), serializeRunRecord(record)));
      if (writes.length >= 256) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const list = await measured(['agent', 'history', '--limit', '5']);
    expect(list.code, list.stderr).toBe(0);
    const newest = JSON.parse(list.stdout) as { captured_at: string }[];
    expect(newest).toHaveLength(5);
    expect(newest[0]!.captured_at).toBe(
      `${new Date(Date.UTC(2025, 0, 1) + (HISTORY_RECORDS - 1) * 60_000).toISOString().slice(0, 19)}Z`,
    );
    const exported = await measured(['agent', 'history', 'export', '--format', 'csv']);
    expect(exported.code, exported.stderr).toBe(0);
    const csv = await readFile(path.join(ws.root, '.sdetkit/agent/workdir/history-summary.csv'), 'utf8');
    expect(csv.trimEnd().split('\n')).toHaveLength(HISTORY_RECORDS + 1);
    const dashboard = await measured(['agent', 'dashboard', 'build', '--format', 'html']);
    expect(dashboard.code, dashboard.stderr).toBe(0);
    const budget = 150 + HISTORY_RECORDS / 200; // MiB: a fixed base plus ~5 KiB per record at most
    for (const [name, run] of Object.entries({ list, exported, dashboard }))
      expect(run.rss, `${name} peak RSS ${run.rss.toFixed(0)} MiB`).toBeLessThan(budget);
    console.info(
      `resource-limits: ${HISTORY_RECORDS} records: history ${list.rss.toFixed(0)} MiB, export ${exported.rss.toFixed(0)} MiB, dashboard ${dashboard.rss.toFixed(0)} MiB`,
    );
  });

  it('a 50 MiB webhook body gets 413 quickly, with or without a length, and no memory spike', async () => {
    const server = await startServer(ws.root);
    try {
      const pid = server.child.pid!;
      // Warm up, then take the peak as the baseline.
      await fetch(server.url('/webhook/generic'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'c', user_id: 'u', text: 'warm' }),
      });
      const before = await memoryOf(pid);
      const huge = Buffer.alloc(50 * 1024 * 1024, 'a');
      for (const chunked of [false, true]) {
        const started = Date.now();
        const status = await new Promise<number>((resolve, reject) => {
          const socket = net.connect(server.port, '127.0.0.1');
          let response = '';
          socket.on('data', (c) => {
            response += c;
            const code = /^HTTP\/1\.1 (\d{3})/.exec(response);
            if (code) {
              resolve(Number(code[1]));
              socket.destroy();
            }
          });
          socket.on('error', (error) => (response ? undefined : reject(error)));
          socket.write(
            `POST /webhook/generic HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${
              chunked ? 'transfer-encoding: chunked' : `content-length: ${huge.length}`
            }\r\n\r\n`,
          );
          // Stream the body in 1 MiB pieces until the server answers.
          let sent = 0;
          const pump = () => {
            while (sent < huge.length && !socket.destroyed) {
              const piece = huge.subarray(sent, sent + 1024 * 1024);
              sent += piece.length;
              const ok = socket.write(
                chunked
                  ? Buffer.concat([
                      Buffer.from(`${piece.length.toString(16)}\r\n`),
                      piece,
                      Buffer.from('\r\n'),
                    ])
                  : piece,
              );
              if (!ok) return void socket.once('drain', pump);
            }
          };
          pump();
        });
        expect(status).toBe(413);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
      const after = await memoryOf(pid);
      expect(
        after.peak - before.peak,
        `peak RSS ${before.peak.toFixed(0)} -> ${after.peak.toFixed(0)} MiB`,
      ).toBeLessThan(40);
      // Still serving.
      const ok = await fetch(server.url('/webhook/generic'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'c', user_id: 'u', text: 'after' }),
      });
      expect(ok.status).toBe(200);
      console.info(
        `resource-limits: 50 MiB bodies: server peak RSS ${before.peak.toFixed(0)} -> ${after.peak.toFixed(0)} MiB`,
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('a slowloris client does not stop the server serving others, and is cut off', async () => {
    const server = await startServer(ws.root);
    try {
      const slow = net.connect(server.port, '127.0.0.1');
      let closed = false;
      let answer = '';
      slow.on('data', (c) => {
        answer += c;
      });
      slow.on('close', () => {
        closed = true;
      });
      slow.on('error', () => undefined);
      const header =
        'POST /webhook/generic HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-slow: ';
      let i = 0;
      const drip = setInterval(() => {
        if (!slow.destroyed) slow.write(header[i % header.length] ?? 'a');
        i++;
      }, 200);
      const latencies: number[] = [];
      const started = Date.now();
      while (!closed && Date.now() - started < 20_000) {
        const t = Date.now();
        const response = await fetch(server.url('/webhook/generic'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'c', user_id: `u${latencies.length % 3}`, text: 'still here' }),
        });
        expect(response.status).toBe(200);
        latencies.push(Date.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      clearInterval(drip);
      expect(closed, 'the slow client was never cut off').toBe(true);
      expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
      expect(Math.max(...latencies)).toBeLessThan(2_000);
      console.info(
        `resource-limits: slowloris cut off after ${((Date.now() - started) / 1000).toFixed(1)} s; ${latencies.length} other requests served meanwhile, slowest ${Math.max(...latencies)} ms`,
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('a template with thousands of steps is stopped by the step budget', async () => {
    const steps = Array.from(
      { length: 3000 },
      (_, i) =>
        `  - id: s${i}\n    action: fs.write\n    with:\n      path: \${{run.output_dir}}/f${i}.txt\n      content: x\n`,
    ).join('');
    await mkdir(path.join(ws.root, 'templates/automations'), { recursive: true });
    await writeFile(
      path.join(ws.root, 'templates/automations/thousands.yaml'),
      `metadata:\n  id: thousands\n  title: Thousands\n  version: 1.0.0\n  description: 3000 steps\nworkflow:\n${steps}`,
    );
    const started = Date.now();
    const result = await measured(['agent', 'templates', 'run', 'thousands']);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(1);
    const record = JSON.parse(result.stdout) as { status: string; steps: { message: string }[] };
    expect(record.status).toBe('error');
    expect(record.steps).toHaveLength(101);
    expect(record.steps.at(-1)!.message).toBe(
      'not run: budget max_template_steps=100 reached (2900 step(s) not run)',
    );
    expect(seconds).toBeLessThan(30);
    console.info(
      `resource-limits: 3,000-step template stopped after 100 steps in ${seconds.toFixed(1)} s, ${result.rss.toFixed(0)} MiB`,
    );
  });

  it('a shell command flooding 50 MB of output is capped in the record and in memory', async () => {
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      'safety:\n  shell_allowlist: ["node -e"]\n',
    );
    const result = await measured([
      'agent',
      'run',
      '--approve',
      'action shell.run {"argv":["node","-e","const b=Buffer.alloc(1<<20,121);for(let i=0;i<50;i++)process.stdout.write(b)"]}',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const payload = (JSON.parse(result.stdout) as { actions: { payload: Record<string, unknown> }[] })
      .actions[0]!.payload;
    expect(payload).toMatchObject({ stdout_bytes: 50 * 1024 * 1024, stdout_truncated: true });
    expect((payload.stdout as string).length).toBe(64 * 1024);
    expect(result.rss).toBeLessThan(200);
    console.info(
      `resource-limits: 50 MiB of shell output capped to 64 KiB; CLI peak RSS ${result.rss.toFixed(0)} MiB`,
    );
  });
});
