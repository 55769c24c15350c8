import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('sdetkit agent actions list', () => {
  it('prints every built-in action with its description, examples and input schema', async () => {
    const result = await runCli(process.cwd(), ['agent', 'actions', 'list']);
    expect(result.code).toBe(0);
    const { actions } = result.json as {
      actions: { id: string; input_schema: { properties: object }; examples: unknown[] }[];
    };
    expect(actions.map((a) => a.id)).toEqual([
      'artifacts.bundle',
      'deps.inventory',
      'fs.read',
      'fs.write',
      'mcp.call',
      'mcp.list',
      'repo.audit',
      'report.build',
      'report.gate',
      'report.render',
      'shell.run',
      'template.run',
    ]);
    const write = actions.find((a) => a.id === 'fs.write')!;
    expect(Object.keys(write.input_schema.properties).sort()).toEqual(['content', 'path']);
    expect(write.examples.length).toBeGreaterThan(0);
  });
});
