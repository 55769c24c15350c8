import type { OutgoingReply, ReplyOutcome, ReplySender } from './outgoing-reply.js';

/** `--telegram-simulation-mode`: nothing is sent; the reply log records what would have been. */
export class SimulatedReplySender implements ReplySender {
  async send(_reply: OutgoingReply): Promise<ReplyOutcome> {
    return { status: 'simulated', attempts: 0, platform_message_id: null, error: null };
  }
}
