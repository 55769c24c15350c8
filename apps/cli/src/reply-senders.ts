import {
  type ReplySender,
  SimulatedReplySender,
  SlackReplySender,
  TelegramReplySender,
} from '@sdetkit/channels';
import { ValidationError } from '@sdetkit/policy';

/** Bot tokens come from the environment only, never from flags or records. */
export const BOT_TOKEN_ENV = {
  telegram: 'SDETKIT_TELEGRAM_BOT_TOKEN',
  slack: 'SDETKIT_SLACK_BOT_TOKEN',
} as const;

export interface ReplyFlags {
  telegramSimulationMode?: boolean;
  telegramEnableOutgoing?: boolean;
  telegramApiBase?: string;
  slackSimulationMode?: boolean;
  slackEnableOutgoing?: boolean;
  slackApiBase?: string;
}

function apiBase(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${flag}: not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError(`${flag}: expected an http(s) URL, got ${url.protocol}`);
  return value;
}

/**
 * The reply senders `agent serve` flags ask for, and how the serve output
 * describes them. Simulation and real sending are exclusive per channel.
 */
export function replySendersFromFlags(
  opts: ReplyFlags,
  env: NodeJS.ProcessEnv = process.env,
): {
  senders: Partial<Record<'telegram' | 'slack', ReplySender>>;
  summary: Record<'telegram' | 'slack', string>;
} {
  const senders: Partial<Record<'telegram' | 'slack', ReplySender>> = {};
  const summary = { telegram: 'off', slack: 'off' };
  const channels = [
    {
      name: 'telegram',
      simulate: opts.telegramSimulationMode,
      send: opts.telegramEnableOutgoing,
      base: opts.telegramApiBase,
      make: (botToken: string, base: string | undefined) =>
        new TelegramReplySender({ botToken, ...(base ? { apiBase: base } : {}) }),
    },
    {
      name: 'slack',
      simulate: opts.slackSimulationMode,
      send: opts.slackEnableOutgoing,
      base: opts.slackApiBase,
      make: (botToken: string, base: string | undefined) =>
        new SlackReplySender({ botToken, ...(base ? { apiBase: base } : {}) }),
    },
  ] as const;
  for (const channel of channels) {
    const flag = `--${channel.name}`;
    const base = channel.base === undefined ? undefined : apiBase(`${flag}-api-base`, channel.base);
    if (channel.simulate && channel.send)
      throw new ValidationError(`${flag}-enable-outgoing: choose it or ${flag}-simulation-mode, not both`);
    if (channel.simulate) {
      senders[channel.name] = new SimulatedReplySender();
      summary[channel.name] = 'simulated';
    } else if (channel.send) {
      const variable = BOT_TOKEN_ENV[channel.name];
      const token = env[variable];
      if (!token) throw new ValidationError(`${flag}-enable-outgoing: set ${variable} in the environment`);
      senders[channel.name] = channel.make(token, base);
      summary[channel.name] = `on (${variable})`;
    }
  }
  return { senders, summary };
}
