export type ApprovalMethod = 'not-required' | 'flag' | 'prompt' | 'non-interactive';

/** An approval decision, stored as data in the run record. */
export interface ApprovalDecision {
  required: boolean;
  approved: boolean;
  method: ApprovalMethod;
  reason: string;
}

export interface ApprovalRequest {
  /** Action id, e.g. `shell.run`. */
  action: string;
  /** One line describing what would happen, shown in the prompt. */
  summary: string;
  /** Why approval is needed. */
  reasons: string[];
}

/** Decides dangerous actions. The orchestrator calls it only when approval is required. */
export interface ApprovalGate {
  decide(request: ApprovalRequest): Promise<ApprovalDecision>;
}

export const NON_INTERACTIVE_REASON = 'approval required (non-interactive)';

export interface ApprovalGateOptions {
  /** `--approve`: approve every dangerous action of this run. */
  approveAll?: boolean;
  /** A TTY to prompt on; without one, dangerous actions are denied. */
  prompt?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } | undefined;
}

/** `--approve` approves; a TTY prompts `[y/N]`; otherwise deny. */
export function createApprovalGate(options: ApprovalGateOptions = {}): ApprovalGate {
  return {
    async decide(request) {
      if (options.approveAll) {
        return { required: true, approved: true, method: 'flag', reason: 'approved by --approve' };
      }
      if (!options.prompt) {
        return { required: true, approved: false, method: 'non-interactive', reason: NON_INTERACTIVE_REASON };
      }
      // Loaded on first use: most runs never prompt.
      const { createInterface } = process.getBuiltinModule('node:readline/promises');
      const rl = createInterface({
        input: options.prompt.input,
        output: options.prompt.output,
        terminal: false,
      });
      try {
        const question = `Approve ${request.action}: ${request.summary} (${request.reasons.join('; ')}) [y/N] `;
        const answer = (await rl.question(question)).trim().toLowerCase();
        const approved = answer === 'y' || answer === 'yes';
        return {
          required: true,
          approved,
          method: 'prompt',
          reason: approved ? 'approved at prompt' : 'denied at prompt',
        };
      } finally {
        rl.close();
      }
    },
  };
}

/** The decision recorded for actions that need no approval. */
export const NOT_REQUIRED: ApprovalDecision = Object.freeze({
  required: false,
  approved: false,
  method: 'not-required',
  reason: 'no approval needed',
}) as ApprovalDecision;
