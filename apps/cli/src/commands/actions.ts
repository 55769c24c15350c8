import { z } from 'zod';
import { createAgentRuntime } from '../agent-runtime.js';
import { cliApprovalGate } from '../approval.js';
import type { CommandResult } from '../command-result.js';

/** The action registry: id, description, examples and the input JSON Schema. */
export async function actionsListCommand(): Promise<CommandResult> {
  const actions = (
    await createAgentRuntime({ workspaceRoot: process.cwd(), approvalGate: cliApprovalGate(false) })
  ).registry
    .list()
    .map((action) => ({
      id: action.id,
      description: action.description,
      examples: action.examples,
      keywords: action.keywords ?? [],
      input_schema: z.toJSONSchema(action.input, { io: 'input', unrepresentable: 'any' }),
    }));
  return { output: { actions }, exitCode: 0 };
}
