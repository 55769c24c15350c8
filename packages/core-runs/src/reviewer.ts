import type { RunAction } from './run-record.js';

export interface Review {
  accepted: boolean;
  /** Why the run was rejected; empty when accepted. */
  reasons: string[];
  message: string;
}

export interface ReviewInput {
  planError: string | undefined;
  planned: number;
  actions: readonly RunAction[];
  skipped: readonly { action: string; reason: string }[];
}

/**
 * The reviewer accepts a run only when something was planned, every planned
 * action ran, and none failed or was denied.
 */
export function reviewRun(input: ReviewInput): Review {
  const reasons: string[] = [];
  if (input.planError) reasons.push(`plan failed: ${input.planError}`);
  else if (input.planned === 0) reasons.push('nothing was planned for this task');
  for (const action of input.actions) {
    if (action.denied) reasons.push(`${action.action} denied: ${action.policy.reason}`);
    else if (!action.ok) reasons.push(`${action.action} failed`);
  }
  if (input.skipped.length > 0)
    reasons.push(`${input.skipped.length} planned action(s) not run: ${input.skipped[0]!.reason}`);
  const accepted = reasons.length === 0;
  const message = accepted
    ? `accepted: ${input.actions.length} action(s) succeeded`
    : `rejected: ${reasons.join('; ')}`;
  return { accepted, reasons, message };
}
