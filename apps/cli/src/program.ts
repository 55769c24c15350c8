import {
  DEFAULT_CACHE_DIR,
  DEFAULT_CONFIG_PATH,
  DEFAULT_HISTORY_DIR,
  DEFAULT_HISTORY_EXPORT_CSV,
  DEFAULT_WORKDIR,
} from '@sdetkit/policy/paths';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandResult } from './command-result.js';
import { loadCommands, runCacheProfile } from './load-commands.js';

export type Emit = (result: Promise<CommandResult>) => Promise<void>;

/** A flag parser for whole numbers from `min` to `max`; `expected` completes "expected ..." in its error. */
function wholeNumber(min: number, max: number, expected: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`expected ${expected}`);
    return Number(value);
  };
}

const positiveInt = wholeNumber(1, Number.POSITIVE_INFINITY, 'a whole number >= 1');
const nonNegativeInt = wholeNumber(0, Number.POSITIVE_INFINITY, 'a whole number >= 0');

/**
 * For a group's default command (`agent history` runs `list`): an operand
 * there is a mistyped or misplaced command, so say that, naming the group's
 * commands and the `agent` command of that name if there is one, instead of
 * commander's "too many arguments for 'list'".
 */
function refuseOperands(command: Command, group: Command, agent: Command): void {
  const [operand] = command.args;
  if (operand === undefined) return;
  const names = group.commands.map((c) => c.name()).filter((name) => name !== 'help');
  const elsewhere = agent.commands.some((c) => c.name() === operand)
    ? `; did you mean 'sdetkit agent ${operand}'?`
    : '';
  command.error(
    `unknown command '${operand}' for 'agent ${group.name()}' (its commands: ${names.join(', ')})${elsewhere}`,
  );
}

function example(...lines: string[]): string {
  return `\nExample:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

const configOption = () => new Option('--config <path>', 'agent config file').default(DEFAULT_CONFIG_PATH);

/**
 * The command table. Each action imports its implementation lazily so
 * `--help` and argument errors load nothing but commander.
 */
export function createProgram(emit: Emit, version: string): Command {
  const program = new Command('sdetkit')
    .description('sdetkit: deterministic, policy-checked, auditable automation for engineering teams')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true);

  const agent = program
    .command('agent')
    .description('AgentOS: orchestrated runs, history and policy (every command prints one JSON value)')
    .addHelpText(
      'after',
      `\nExit codes: 0 success, 1 the work ran but failed, 2 usage or validation error.${example(
        'sdetkit agent init',
        `sdetkit agent run 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}'`,
        'sdetkit agent history --limit 5',
      )}`,
    );

  agent
    .command('init')
    .description(
      'create .sdetkit/agent/ (history, workdir, cache, conversations, rate_limits) and a default config; idempotent',
    )
    .addOption(configOption())
    .addHelpText('after', example('sdetkit agent init'))
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands('core').initCommand(opts))));

  agent
    .command('doctor')
    .description(
      'validate config, provider, budgets, allowlists, history and service tokens, and name the server serving this workspace; exit 1 if a check fails',
    )
    .addOption(configOption())
    .addHelpText('after', example('sdetkit agent doctor', 'sdetkit agent doctor --config ci/agent.yaml'))
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands('core').doctorCommand(opts))));

  agent
    .command('run')
    .description(
      'one orchestrated run (manager plans, workers act under policy, reviewer accepts), saved to history',
    )
    .argument('<task>', 'free text, `action <name> <json-params>`, or `template:<id>`')
    .addOption(configOption())
    .option(
      '--approve',
      'approve dangerous actions (shell.run, writes outside the workdir) for this run',
      false,
    )
    .addOption(new Option('--cache-dir <dir>', 'provider response cache folder').default(DEFAULT_CACHE_DIR))
    .option('--no-cache', 'bypass the provider response cache (default: cache on)')
    .addHelpText(
      'after',
      `\nPrints the run record; exit 1 when its status is error.${example(
        `sdetkit agent run 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}'`,
        `sdetkit agent run --approve 'action shell.run {"command":"git status --short"}'`,
      )}`,
    )
    .action(async (task, opts) =>
      emit(Promise.resolve().then(() => loadCommands(runCacheProfile(task)).runCommand(task, opts))),
    );

  const history = agent
    .command('history')
    .description('run history (default: list, newest first)')
    .addHelpText(
      'after',
      example('sdetkit agent history --limit 10', 'sdetkit agent history export --format csv'),
    );

  history
    .command('list', { isDefault: true })
    .description('newest runs first: [{hash, captured_at, status, task}]')
    .addOption(new Option('--limit <n>', 'at most this many runs').argParser(positiveInt))
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addHelpText('after', example('sdetkit agent history list --limit 5'))
    .allowExcessArguments()
    .action(async (opts, command: Command) => {
      refuseOperands(command, history, agent);
      await emit(Promise.resolve().then(() => loadCommands('core').historyListCommand(opts)));
    });

  history
    .command('export')
    .description('run summary export (columns captured_at,hash,status,task,action_count)')
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addOption(new Option('--format <format>', 'export format').choices(['csv', 'json']).default('csv'))
    .addOption(
      new Option(
        '--output <file>',
        `output file (default: ${DEFAULT_HISTORY_EXPORT_CSV}, or .json for --format json)`,
      ),
    )
    .option('--since <date>', 'only runs at or after this ISO date or timestamp')
    .option('--until <date>', 'only runs at or before this ISO date (whole day) or timestamp')
    .addHelpText(
      'after',
      example(
        'sdetkit agent history export --format csv --output reports/runs.csv',
        'sdetkit agent history export --since 2024-03-01 --until 2024-03-31',
      ),
    )
    .action(async (opts) =>
      emit(Promise.resolve().then(() => loadCommands('core').historyExportCommand(opts))),
    );

  const collectTokens = (value: string, previous: string[] = []) => [...previous, value];
  const numberAtLeast = (min: number) => (value: string) => {
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(`expected a number >= ${min}`);
    return Number(value);
  };
  // Request body limits: bytes, or KiB/MiB with k or m.
  const byteSize = (value: string) => {
    const match = /^(\d+)([km]?)$/i.exec(value);
    const bytes = match
      ? Number(match[1]) * { '': 1, k: 1024, m: 1024 * 1024 }[match[2]!.toLowerCase()]!
      : NaN;
    if (!(bytes >= 1024 && bytes <= 64 * 1024 * 1024))
      throw new InvalidArgumentError('expected a size from 1k to 64m, like 262144, 512k or 4m');
    return bytes;
  };
  const seconds = wholeNumber(1, 3600, 'whole seconds from 1 to 3600');
  const port = wholeNumber(0, 65535, 'a port 0-65535');
  agent
    .command('serve')
    .description(
      'the omnichannel server: Slack, Telegram and webhook events, verified and rate-limited per user, routed into AgentOS',
    )
    .addOption(configOption())
    .addOption(new Option('--host <host>', 'address to bind').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port (0 picks a free one)').argParser(port).default(8787))
    .option(
      '--tenants-root <dir>',
      'serve many tenants: each is a workspace <dir>/<tenant>/, webhooks at /t/<tenant>/webhook/*',
    )
    .option(
      '--require-auth',
      'without SDETKIT_WEBHOOK_SECRET, /webhook/generic needs a runs:write service token (Bearer)',
      false,
    )
    .option(
      '--telegram-simulation-mode',
      'record Telegram replies in .sdetkit/agent/replies/ instead of sending them',
      false,
    )
    .option(
      '--telegram-enable-outgoing',
      'send Telegram replies (bot token: SDETKIT_TELEGRAM_BOT_TOKEN)',
      false,
    )
    .option('--telegram-api-base <url>', 'Telegram Bot API base URL (default https://api.telegram.org)')
    .option('--slack-simulation-mode', 'record Slack replies instead of posting them', false)
    .option(
      '--slack-enable-outgoing',
      'post Slack replies in the thread (bot token: SDETKIT_SLACK_BOT_TOKEN)',
      false,
    )
    .option('--slack-api-base <url>', 'Slack Web API base URL (default https://slack.com/api)')
    .addOption(
      // A bucket that holds less than one token never lets an event through.
      new Option('--rate-limit-max-tokens <n>', 'token bucket capacity per user')
        .argParser(numberAtLeast(1))
        .default(5),
    )
    .addOption(
      new Option('--rate-limit-refill-per-second <n>', 'tokens added per second')
        .argParser(numberAtLeast(0))
        .default(1),
    )
    .addOption(
      new Option('--body-limit <size>', 'largest request body; larger ones get 413 (bytes, or 512k, 4m)')
        .argParser(byteSize)
        .default(1024 * 1024, '1m'),
    )
    .addOption(
      new Option('--headers-timeout <s>', 'seconds a client has to send its headers, else 408')
        .argParser(seconds)
        .default(10),
    )
    .addOption(
      new Option('--request-timeout <s>', 'seconds a client has to send a whole request, else 408')
        .argParser(seconds)
        .default(30),
    )
    .addOption(
      new Option(
        '--keep-alive-timeout <s>',
        'seconds an idle keep-alive connection stays open (behind a proxy: longer than its idle timeout)',
      )
        .argParser(seconds)
        .default(5),
    )
    .option(
      '--retention-max-age <duration>',
      'scheduled retention: prune runs, template runs and conversations older than this (e.g. 30d)',
    )
    .addOption(
      new Option(
        '--retention-keep-last <n>',
        'scheduled retention: always keep the newest N runs per tenant',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--retention-interval <duration>',
        'time between retention sweeps (the first at start)',
      ).default('1h'),
    )
    .option('--tool-bridge-enabled', 'let chat-triggered runs call MCP tools through server "bridge"', false)
    .option(
      '--tool-bridge-allow <name>',
      'a tool chat-triggered runs may call (repeatable)',
      collectTokens,
      [],
    )
    .option(
      '--tool-bridge-command <token>',
      'one argv token of the MCP server command (repeatable, in order)',
      collectTokens,
      [],
    )
    .addHelpText(
      'after',
      `\nSecrets come from the environment: SDETKIT_WEBHOOK_SECRET, SDETKIT_TELEGRAM_SECRET_TOKEN, SDETKIT_SLACK_SIGNING_SECRET, SDETKIT_TELEGRAM_BOT_TOKEN, SDETKIT_SLACK_BOT_TOKEN.${example(
        'sdetkit agent serve',
        'SDETKIT_SLACK_SIGNING_SECRET=... sdetkit agent serve --port 8787 --rate-limit-max-tokens 10',
        'sdetkit agent serve --tenants-root tenants   # POST /t/acme/webhook/generic runs in tenants/acme/',
      )}`,
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().serveCommand(opts))));

  const tokensCommand = agent
    .command('tokens')
    .description('service tokens for the server REST API (/api/v1)');
  tokensCommand
    .command('create')
    .description('create a token; it is printed once, only its sha256 is stored')
    .requiredOption('--name <name>', 'a unique name, e.g. ci-dashboards')
    .requiredOption(
      '--scopes <list>',
      'comma-separated: runs:read, runs:write, templates:run, dashboard:read',
    )
    .option('--tenant <id>', 'restrict the token to one tenant')
    .option('--expires <duration>', "lifetime like 90d or 12h, or 'never' (default: never)")
    .addHelpText(
      'after',
      example('sdetkit agent tokens create --name ci --scopes runs:read,dashboard:read --expires 90d'),
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().tokensCreateCommand(opts))));
  tokensCommand
    .command('list')
    .description('every token with its scopes, tenant, expiry and status (never the token)')
    .addHelpText('after', example('sdetkit agent tokens list'))
    .action(async () => emit(Promise.resolve().then(() => loadCommands().tokensListCommand())));
  tokensCommand
    .command('revoke')
    .description('revoke a token by id or name')
    .argument('<token>', 'token id (tok_...) or name')
    .addHelpText('after', example('sdetkit agent tokens revoke ci'))
    .action(async (token) => emit(Promise.resolve().then(() => loadCommands().tokensRevokeCommand(token))));

  const dashboard = agent
    .command('dashboard')
    .description('governance dashboards from run history (json, md, html, csv) and quality gates');

  dashboard
    .command('build')
    .description('build the dashboard; html also writes the markdown summary')
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addOption(
      new Option('--format <format>', 'output format').choices(['json', 'md', 'html', 'csv']).default('html'),
    )
    .addOption(
      new Option('--output <file>', `output file (default: ${DEFAULT_WORKDIR}/agent-dashboard.<format>)`),
    )
    .addOption(
      new Option('--summary-output <file>', 'markdown summary written with html').default(
        `${DEFAULT_WORKDIR}/agent-summary.md`,
      ),
    )
    .option('--since <date>', 'only runs at or after this ISO date or timestamp')
    .option('--until <date>', 'only runs at or before this ISO date (whole day) or timestamp')
    .option(
      '--generated-at <when>',
      "print a generation time: 'now' or an ISO timestamp (default: SOURCE_DATE_EPOCH if set, else none)",
    )
    .addHelpText(
      'after',
      example(
        'sdetkit agent dashboard build',
        'sdetkit agent dashboard build --format md --since 2024-03-25 --until 2024-03-31 --output weekly.md',
      ),
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().dashboardBuildCommand(opts))));

  dashboard
    .command('gate')
    .description('quality gate on the dashboard summary: exit 1 with a one-line reason when not met')
    .requiredOption('--min-success-rate <rate>', 'minimum success rate: 0..1 or a percentage like 95%')
    .addOption(
      new Option('--max-failures <n>', 'maximum failed runs in the window').argParser(nonNegativeInt),
    )
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .option('--since <date>', 'only runs at or after this ISO date or timestamp')
    .option('--until <date>', 'only runs at or before this ISO date (whole day) or timestamp')
    .option('--allow-empty', 'pass when the window has no runs (default: fail)', false)
    .addHelpText(
      'after',
      example('sdetkit agent dashboard gate --min-success-rate 95% --max-failures 0 --since 2024-03-01'),
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().dashboardGateCommand(opts))));

  const templates = agent
    .command('templates')
    .description('the automation template catalog: list, show, run, pack, verify, install, validate');
  const collect = (value: string, previous: string[] = []) => [...previous, value];

  templates
    .command('list')
    .description('every template: id, title, version, description, source')
    .addHelpText('after', example('sdetkit agent templates list'))
    .action(async () => emit(Promise.resolve().then(() => loadCommands().templatesListCommand())));

  templates
    .command('show')
    .description('one template: metadata, inputs, workflow, source')
    .argument('<id>', 'template id')
    .addHelpText('after', example('sdetkit agent templates show report-dashboard'))
    .action(async (id) => emit(Promise.resolve().then(() => loadCommands().templatesShowCommand(id))));

  templates
    .command('run')
    .description(
      'run a template under policy; prints the template run record (exit 1 if its status is error)',
    )
    .argument('<id>', 'template id')
    .option('--set <key=value>', 'an input value, typed against its declared type (repeatable)', collect, [])
    .option('--output-dir <dir>', 'output folder (default: .sdetkit/agent/template-runs/<id>)')
    .option('--dry-run', 'render every step and show its policy verdict; run and write nothing', false)
    .option('--approve', 'approve dangerous steps for this run', false)
    .addOption(configOption())
    .addHelpText(
      'after',
      example(
        'sdetkit agent templates run report-dashboard --set since=2024-03-01',
        'sdetkit agent templates run ci-artifact-bundle --dry-run',
      ),
    )
    .action(async (id, opts) =>
      emit(Promise.resolve().then(() => loadCommands().templatesRunCommand(id, opts))),
    );

  templates
    .command('run-all')
    .description('run every template; exit 1 if any ends in error')
    .option(
      '--output-dir <dir>',
      "parent output folder; each template writes to <dir>/<id> (default: each template's own)",
    )
    .option('--approve', 'approve dangerous steps', false)
    .addOption(configOption())
    .addHelpText(
      'after',
      example(
        'sdetkit agent templates run-all',
        'sdetkit agent templates run-all --output-dir build/templates',
      ),
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().templatesRunAllCommand(opts))));

  templates
    .command('pack')
    .description('deterministic, checksummed tar of the catalog (templates, catalog.json, SHA256SUMS)')
    .addOption(
      new Option('--output <file>', 'pack file').default('.sdetkit/agent/templates/automation-templates.tar'),
    )
    .addHelpText(
      'after',
      example(
        'sdetkit agent templates pack',
        'sdetkit agent templates pack --output dist/templates-1.0.0.tar',
      ),
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().templatesPackCommand(opts))));

  templates
    .command('verify')
    .description('check every checksum and entry of a pack; exit 1 on any mismatch')
    .argument('<pack>', 'pack file')
    .addHelpText(
      'after',
      example('sdetkit agent templates verify .sdetkit/agent/templates/automation-templates.tar'),
    )
    .action(async (pack) => emit(Promise.resolve().then(() => loadCommands().templatesVerifyCommand(pack))));

  templates
    .command('install')
    .description('verify a pack, then install its templates (refuses entries that escape the target)')
    .argument('<pack>', 'pack file')
    .addOption(new Option('--target <dir>', 'where templates go').default('templates/automations'))
    .option('--force', 'replace templates whose content differs', false)
    .addHelpText('after', example('sdetkit agent templates install vendor/acme-templates.tar'))
    .action(async (pack, opts) =>
      emit(Promise.resolve().then(() => loadCommands().templatesInstallCommand(pack, opts))),
    );

  templates
    .command('validate')
    .description(
      'lint the catalog: schema, duplicate ids, unknown actions and references; exit 1 on problems',
    )
    .addHelpText('after', example('sdetkit agent templates validate'))
    .action(async () => emit(Promise.resolve().then(() => loadCommands().templatesValidateCommand())));

  agent
    .command('verify')
    .description(
      'recompute every record hash and check the ledger chain; exit 1 on any tampered, renamed or missing record or broken link',
    )
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addHelpText('after', example('sdetkit agent verify'))
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().verifyCommand(opts))));

  agent
    .command('replay')
    .description(
      're-execute a recorded run (recorded config, approvals, clock and cache) in a scratch copy; exit 1 on mismatch',
    )
    .argument('<hash>', 'run record hash')
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addHelpText(
      'after',
      example('sdetkit agent replay 4799e2b58e554536397710882a6c1b449b261c5ee3273403eb9bbd34723cb2a6'),
    )
    .action(async (hash, opts) =>
      emit(Promise.resolve().then(() => loadCommands().replayCommand(hash, opts))),
    );

  agent
    .command('retention')
    .description('retention for history, template runs and conversations')
    .command('apply')
    .description('prune old data; pruned runs leave ledger tombstones so verify still passes')
    .option('--max-age <duration>', 'remove what is older than this, e.g. 30d, 12h, 2w')
    .addOption(new Option('--keep-last <n>', 'always keep the newest N runs').argParser(positiveInt))
    .option('--dry-run', 'list what would be removed; remove nothing', false)
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addHelpText('after', example('sdetkit agent retention apply --max-age 30d --keep-last 100 --dry-run'))
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().retentionApplyCommand(opts))));

  const evidence = agent.command('evidence').description('evidence packs for audits');
  evidence
    .command('pack')
    .description(
      'deterministic tar: dashboards, history CSV, failures, controls, template checksums, verify result, SHA256SUMS',
    )
    .option('--since <date>', 'period start (ISO date or timestamp)')
    .option('--until <date>', 'period end (ISO date, whole day, or timestamp)')
    .addOption(new Option('--output <file>', 'pack file').default(`${DEFAULT_WORKDIR}/evidence-pack.tar`))
    .addOption(new Option('--history-dir <dir>', 'history folder').default(DEFAULT_HISTORY_DIR))
    .addHelpText(
      'after',
      example('sdetkit agent evidence pack --since 2024-01-01 --until 2024-03-31 --output evidence-q1.tar'),
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().evidencePackCommand(opts))));
  evidence
    .command('verify')
    .description('check every checksum of an evidence pack; exit 1 on any mismatch')
    .argument('<pack>', 'pack file')
    .addHelpText('after', example('sdetkit agent evidence verify evidence-q1.tar'))
    .action(async (pack) => emit(Promise.resolve().then(() => loadCommands().evidenceVerifyCommand(pack))));

  for (const name of ['demo', 'example']) {
    agent
      .command(name)
      .description(
        name === 'demo'
          ? 'the local-only smoke check: bootstrap, audit and governance templates, runs (one denied, one failing), dashboard, evidence pack, verify'
          : 'alias of agent demo',
      )
      .addOption(new Option('--scenario <name>', 'demo scenario').default('repo-enterprise-audit'))
      .addHelpText('after', example(`sdetkit agent ${name} --scenario repo-enterprise-audit`))
      .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().demoCommand(opts))));
  }

  const actions = agent.command('actions').description('the action registry');
  actions
    .command('list', { isDefault: true })
    .description('every registered action with description, examples and input JSON Schema')
    .addHelpText('after', example('sdetkit agent actions list'))
    .allowExcessArguments()
    .action(async (_opts, command: Command) => {
      refuseOperands(command, actions, agent);
      await emit(Promise.resolve().then(() => loadCommands('core').actionsListCommand()));
    });

  const repo = program.command('repo').description('repository tools');
  repo
    .command('audit')
    .description(
      'audit the repository: core, security, hygiene and deps rule packs, with waivers and baselines',
    )
    .addOption(
      new Option('--profile <profile>', 'rule profile (default: .sdetkit/audit.yaml, else default)').choices([
        'default',
        'strict',
      ]),
    )
    .option('--changed-only', 'audit only files changed since --base (needs git)', false)
    .option('--base <ref>', 'base ref for --changed-only (default: HEAD, i.e. uncommitted changes)')
    .addOption(
      new Option('--format <format>', 'report format').choices(['json', 'sarif', 'md']).default('json'),
    )
    .option('--output <file>', 'write the report here and print a JSON summary (default: print the report)')
    .addOption(
      new Option('--fail-on <level>', 'exit 1 when findings at or above this remain')
        .choices(['info', 'warn', 'error', 'none'])
        .default('error'),
    )
    .option('--baseline', 'report only findings not in .sdetkit/audit-baseline.json', false)
    .option('--update-baseline', 'record the current findings as the baseline', false)
    .addHelpText(
      'after',
      `\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or config error.${example(
        'sdetkit repo audit --format sarif --output repo-audit.sarif.json',
        'sdetkit repo audit --changed-only --base origin/main --fail-on warn',
      )}`,
    )
    .action(async (opts) => emit(Promise.resolve().then(() => loadCommands().repoAuditCommand(opts))));

  return program;
}
