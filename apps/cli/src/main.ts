import { CommanderError } from 'commander';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import type { CommandResult } from './command-result.js';
import { adoptDeferredCaCertificates } from './deferred-ca.js';
import { EXIT_OK, EXIT_USAGE, formatCliError } from './exit-codes.js';
import { formatSortedJson } from './json-output.js';
import { createProgram } from './program.js';

declare const __SDETKIT_VERSION__: string | undefined;

async function emit(pending: Promise<CommandResult>): Promise<void> {
  const result = await pending;
  for (const warning of result.warnings ?? []) process.stderr.write(`agent warning: ${warning}\n`);
  for (const note of result.notes ?? []) process.stderr.write(`${note}\n`);
  process.stdout.write(result.raw ?? formatSortedJson(result.output));
  process.exitCode = result.exitCode;
}

/** The whole CLI: dist/cli.cjs exports it, the entry points call it with `process.argv`. */
export async function main(argv: string[]): Promise<void> {
  adoptDeferredCaCertificates(process.env);
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  const version = typeof __SDETKIT_VERSION__ === 'string' ? __SDETKIT_VERSION__ : '0.0.0-dev';
  const program = createProgram(emit, version);
  applyRecursively(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const shownHelp = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      process.exitCode = shownHelp ? EXIT_OK : EXIT_USAGE;
      return;
    }
    process.stderr.write(`${formatCliError(error)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}

function applyRecursively(command: ReturnType<typeof createProgram>): void {
  command.exitOverride().configureOutput({
    outputError: (text, write) => write(`agent error: ${text.replace(/^error: /, '').trim()}\n`),
  });
  for (const child of command.commands) applyRecursively(child);
}
