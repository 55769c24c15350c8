/** Secrets are read from the environment only, never from flags. */
export const SECRET_ENV = {
  genericWebhook: 'SDETKIT_WEBHOOK_SECRET',
  telegramSecretToken: 'SDETKIT_TELEGRAM_SECRET_TOKEN',
  slackSigningSecret: 'SDETKIT_SLACK_SIGNING_SECRET',
} as const;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * What `agent serve` warns about before it serves on `host`: nothing on a
 * loopback address; otherwise the TLS proxy it needs, and every webhook
 * route that anyone who reaches it could post to (runs started by strangers).
 * Slack is not listed: its route refuses every request without a signing
 * secret.
 */
export function exposureWarnings(
  host: string,
  options: { env: Record<string, string | undefined>; requireAuth: boolean },
): string[] {
  if (isLoopbackHost(host)) return [];
  const warnings = [
    `listening on ${host}: put a TLS-terminating proxy in front (see docs/runbooks/server-mode.md)`,
  ];
  if (!options.env[SECRET_ENV.genericWebhook] && !options.requireAuth)
    warnings.push(
      `anyone who reaches ${host} can start runs through /webhook/generic: set ${SECRET_ENV.genericWebhook} or --require-auth`,
    );
  if (!options.env[SECRET_ENV.telegramSecretToken])
    warnings.push(
      `anyone who reaches ${host} can start runs through /webhook/telegram: set ${SECRET_ENV.telegramSecretToken} (the secret_token given to Telegram's setWebhook)`,
    );
  return warnings;
}
