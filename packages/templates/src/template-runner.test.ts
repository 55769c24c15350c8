import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planTemplate, runTemplate } from './template-runner.js';
import { createTemplateWorkspace, snapshotTree } from './testing/template-workspace.js';

let ws: Awaited<ReturnType<typeof createTemplateWorkspace>>;
beforeEach(async () => {
  ws = await createTemplateWorkspace();
});
afterEach(() => ws.cleanup());

const run = (yaml: string, inputs: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  runTemplate({
    template: ws.template(yaml),
    inputs,
    workspaceRoot: ws.root,
    config: ws.config,
    registry: ws.registry,
    approvalGate: ws.gate,
    clock: () => new Date('2024-01-01T00:00:00Z'),
    env,
  });

const HEADER = `metadata: {id: demo, title: Demo, version: 1.2.3, description: d}\n`;

describe('runTemplate', () => {
  it('stops at budgets.max_template_steps: one entry for the first step not run, status error', async () => {
    const steps = Array.from(
      { length: 300 },
      (_, i) => `  - {id: s${i}, action: fs.write, with: {path: "\${{run.output_dir}}/f${i}", content: x}}\n`,
    ).join('');
    ws.config.budgets.max_template_steps = 20;
    const yaml = `${HEADER}workflow:\n${steps}`;
    const record = await run(yaml);
    expect(record.status).toBe('error');
    expect(record.steps).toHaveLength(21);
    expect(record.steps[20]).toMatchObject({
      id: 's20',
      ok: false,
      message: 'not run: budget max_template_steps=20 reached (280 step(s) not run)',
    });
    expect(record.artifacts).toHaveLength(20);
    const plan = await planTemplate({
      template: ws.template(yaml),
      inputs: {},
      workspaceRoot: ws.root,
      config: ws.config,
      registry: ws.registry,
      approvalGate: ws.gate,
    });
    expect(plan).toMatchObject({
      status: 'error',
      budget_exceeded: 'workflow has 300 steps; at most 20 run (budgets.max_template_steps)',
    });
  }, 30_000);

  it('chains step outputs, keeps whole-expression types and writes a sealed run record', async () => {
    const record = await run(`${HEADER}inputs:
  name: {default: world}
  count: {type: number, default: 2}
workflow:
  - id: first
    action: fs.write
    with: {path: "\${{run.output_dir}}/a.txt", content: "hello \${{inputs.name}}"}
  - id: second
    action: fs.read
    with: {path: "\${{steps.first.outputs.path}}", max_bytes: "\${{inputs.count}}"}
`);
    expect(record.status).toBe('ok');
    expect(record.steps[1]!.params).toEqual({
      path: '.sdetkit/agent/template-runs/demo/a.txt',
      max_bytes: 2,
    });
    expect(record.steps[1]!.payload).toMatchObject({ content: 'he' });
    expect(record.artifacts).toEqual(['.sdetkit/agent/template-runs/demo/a.txt']);
    const onDisk = JSON.parse(
      await readFile(path.join(ws.root, '.sdetkit/agent/template-runs/demo/run-record.json'), 'utf8'),
    );
    expect(onDisk.hash).toBe(record.hash);
    expect(Object.keys(onDisk)).toEqual(
      expect.arrayContaining(['captured_at', 'template', 'inputs', 'status', 'steps', 'artifacts', 'hash']),
    );
  });

  it('gives the same hash in two workspaces with the same clock', async () => {
    const yaml = `${HEADER}workflow:\n  - {id: w, action: fs.write, with: {path: "\${{run.output_dir}}/x", content: x}}\n`;
    const a = await run(yaml);
    const other = await createTemplateWorkspace();
    try {
      const b = await runTemplate({
        template: other.template(yaml),
        workspaceRoot: other.root,
        config: other.config,
        registry: other.registry,
        approvalGate: other.gate,
        clock: () => new Date('2024-01-01T00:00:00Z'),
      });
      expect(b.hash).toBe(a.hash);
    } finally {
      await other.cleanup();
    }
  });

  it('skips steps by if:, records continue-on-error failures and goes on', async () => {
    const record = await run(`${HEADER}inputs:
  enabled: {default: false}
workflow:
  - id: skipped
    action: fs.write
    if: inputs.enabled
    with: {path: "\${{run.output_dir}}/s", content: s}
  - id: broken
    action: fs.read
    continue-on-error: true
    with: {path: missing.txt}
  - id: after
    action: fs.write
    if: "steps.broken.outcome == 'failure'"
    with: {path: "\${{run.output_dir}}/after", content: ok}
`);
    expect(record.steps.map((s) => s.outcome)).toEqual(['skipped', 'failure', 'success']);
    expect(record.status).toBe('ok');
  });

  it('stops at a failing step without continue-on-error', async () => {
    const record = await run(`${HEADER}workflow:
  - {id: broken, action: fs.read, with: {path: missing.txt}}
  - {id: never, action: fs.write, with: {path: "\${{run.output_dir}}/n", content: n}}
`);
    expect(record.status).toBe('error');
    expect(record.steps).toHaveLength(1);
  });

  it('denies a step that writes outside the allowlist and its own folder, like agent run', async () => {
    const record = await run(
      `${HEADER}workflow:\n  - {id: evil, action: fs.write, with: {path: src/evil.ts, content: x}}\n`,
    );
    expect(record.status).toBe('error');
    expect(record.steps[0]).toMatchObject({ denied: true, outcome: 'failure' });
    expect((record.steps[0]!.policy as { reason: string }).reason).toMatch(/^write denied by allowlist/);
    await expect(stat(path.join(ws.root, 'src/evil.ts'))).rejects.toThrow();
  });

  it('aborts a step at its timeout', async () => {
    ws.config.safety.shell_allowlist = ['node'];
    const record = await runTemplate({
      template: ws.template(
        `${HEADER}workflow:\n  - {id: slow, action: shell.run, timeout: 0.3, with: {argv: [node, -e, "setTimeout(()=>{},5000)"]}}\n`,
      ),
      workspaceRoot: ws.root,
      config: ws.config,
      registry: ws.registry,
      approvalGate: {
        decide: async () => ({ required: true, approved: true, method: 'flag', reason: 'test' }),
      },
    });
    expect(record.steps[0]).toMatchObject({ ok: false, message: 'timed out after 0.3s' });
  });

  it('refuses unknown --set keys, wrong types and missing required inputs', async () => {
    const yaml = `${HEADER}inputs:\n  n: {type: number, required: true}\n  mode: {type: enum, enum: [a, b], default: a}\nworkflow:\n  - {id: r, action: fs.read, with: {path: x}}\n`;
    await expect(run(yaml, { n: '1', nope: 'x' })).rejects.toThrow(/--set nope: unknown input for demo/);
    await expect(run(yaml, { n: 'many' })).rejects.toThrow(/--set n: expected a number/);
    await expect(run(yaml, { n: '1', mode: 'c' })).rejects.toThrow(/--set mode: expected one of a, b/);
    await expect(run(yaml, {})).rejects.toThrow(/--set n: required input missing/);
  });

  it('names inputs as a request body holds them with inputNaming body', async () => {
    const yaml = `${HEADER}inputs:\n  n: {type: number, required: true}\nworkflow:\n  - {id: r, action: fs.read, with: {path: x}}\n`;
    const runWith = (inputs: Record<string, unknown>) =>
      runTemplate({
        template: ws.template(yaml),
        inputs,
        inputNaming: 'body',
        workspaceRoot: ws.root,
        config: ws.config,
        registry: ws.registry,
        approvalGate: ws.gate,
      });
    await expect(runWith({ n: 1, nope: 'x' })).rejects.toThrow(/^inputs\.nope: unknown input for demo/);
    await expect(runWith({ n: 'many' })).rejects.toThrow(/^inputs\.n: expected a number/);
    await expect(runWith({})).rejects.toThrow(/^inputs\.n: required input missing/);
  });

  it('never lets a secret reach the record or the files the run wrote', async () => {
    const secret = 'canary-s3cr3t-value';
    ws.config.safety.shell_allowlist = ['node'];
    const record = await runTemplate({
      template: ws.template(`${HEADER}secrets: [API_TOKEN]
inputs:
  password: {secret: true, default: ''}
workflow:
  - id: echo
    action: shell.run
    with: {argv: [node, -e, "console.log(process.argv[1])", "\${{secrets.API_TOKEN}}"]}
  - id: write
    action: fs.write
    with: {path: "\${{run.output_dir}}/leak.txt", content: "token=\${{secrets.API_TOKEN}} pw=\${{inputs.password}}"}
`),
      inputs: { password: 'hunter2-password' },
      workspaceRoot: ws.root,
      config: ws.config,
      registry: ws.registry,
      approvalGate: {
        decide: async () => ({ required: true, approved: true, method: 'flag', reason: 'test' }),
      },
      env: { API_TOKEN: secret },
    });
    expect(record.status).toBe('ok');
    const everything = JSON.stringify(await snapshotTree(ws.root));
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('hunter2-password');
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(record.inputs.password).toBe('***');
    expect(record.redacted).toBe(true);
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/template-runs/demo/leak.txt'), 'utf8')).toBe(
      'token=*** pw=***',
    );
  });

  it('refuses a declared secret that is not set in the environment', async () => {
    await expect(
      run(`${HEADER}secrets: [MISSING_TOKEN]\nworkflow:\n  - {id: r, action: fs.read, with: {path: x}}\n`),
    ).rejects.toThrow(/environment variable MISSING_TOKEN is not set/);
  });
});

describe('planTemplate (dry run)', () => {
  it('shows each step with its verdict and writes nothing', async () => {
    ws.config.safety.write_allowlist = ['.sdetkit/agent/workdir', 'reports'];
    const before = await snapshotTree(ws.root);
    const plan = await planTemplate({
      template: ws.template(`${HEADER}workflow:
  - {id: ok, action: fs.write, with: {path: "\${{run.output_dir}}/a", content: a}}
  - {id: approval, action: fs.write, with: {path: reports/r.md, content: "\${{steps.ok.outputs.sha256}}"}}
  - {id: denied, action: fs.write, with: {path: src/x.ts, content: x}}
  - {id: invalid, action: fs.read, with: {nope: 1}}
`),
      workspaceRoot: ws.root,
      config: ws.config,
      registry: ws.registry,
      approvalGate: ws.gate,
    });
    expect(plan.steps.map((s) => s.verdict)).toEqual(['allowed', 'needs_approval', 'denied', 'invalid']);
    expect(plan.steps[1]!.params).toEqual({ path: 'reports/r.md', content: '<steps.ok.outputs.sha256>' });
    expect(plan.status).toBe('error');
    expect(await snapshotTree(ws.root)).toEqual(before);
  });
});
