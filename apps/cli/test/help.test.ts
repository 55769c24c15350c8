import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const COMMANDS = [
  ['agent'],
  ['agent', 'init'],
  ['agent', 'doctor'],
  ['agent', 'run'],
  ['agent', 'history'],
  ['agent', 'history', 'list'],
  ['agent', 'history', 'export'],
  ['agent', 'actions', 'list'],
  ['agent', 'dashboard', 'build'],
  ['agent', 'dashboard', 'gate'],
  ['agent', 'templates', 'run'],
  ['agent', 'templates', 'pack'],
  ['repo', 'audit'],
  ['agent', 'verify'],
  ['agent', 'replay'],
  ['agent', 'evidence', 'pack'],
  ['agent', 'demo'],
  ['agent', 'serve'],
  ['agent', 'tokens', 'create'],
];

describe('--help', () => {
  it.each(COMMANDS)('shows usage and an example for %s', async (...command) => {
    const result = await runCli(process.cwd(), [...command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: sdetkit /);
    expect(result.stdout).toContain('Example:');
  });

  it('shows flag defaults on agent run', async () => {
    const result = await runCli(process.cwd(), ['agent', 'run', '--help']);
    expect(result.stdout).toContain('.sdetkit/agent/config.yaml');
    expect(result.stdout).toContain('.sdetkit/agent/cache');
  });

  it('exits 2 with one agent error line for an unknown command', async () => {
    const result = await runCli(process.cwd(), ['agent', 'frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: unknown command 'frobnicate'/);
  });

  it('names the group and points to the agent command for a command put under history or actions', async () => {
    const verify = await runCli(process.cwd(), ['agent', 'history', 'verify']);
    expect([verify.code, verify.stdout, verify.stderr]).toEqual([
      2,
      '',
      "agent error: unknown command 'verify' for 'agent history' (its commands: list, export); did you mean 'sdetkit agent verify'?\n",
    ]);
    const typo = await runCli(process.cwd(), ['agent', 'actions', 'lst']);
    expect([typo.code, typo.stderr]).toEqual([
      2,
      "agent error: unknown command 'lst' for 'agent actions' (its commands: list)\n",
    ]);
  });
});
