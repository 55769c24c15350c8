import { type ApprovalGate, createApprovalGate } from '@sdetkit/policy';

/** `--approve` approves; a TTY on stdin and stderr prompts; otherwise dangerous actions are denied. */
export function cliApprovalGate(approve: boolean | undefined): ApprovalGate {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return createApprovalGate({
    approveAll: approve === true,
    prompt: interactive ? { input: process.stdin, output: process.stderr } : undefined,
  });
}
