/**
 * The `celeriac` command line: parses with commander (subcommands, generated help and
 * usage errors from one declaration per option), runs the command, and turns what it
 * threw into one line and an exit code: 0 done, 1 failed, 2 a command line that cannot
 * run (printed with the command's usage).
 */
import type { Command } from 'commander';
import type { CommanderError } from 'commander';
import { CeleriacError, RemoteTaskError } from '@celeriac/protocol';
import { AppImportError, UsageError } from '../errors.js';
import { CommandExit } from './command-exit.js';
import type { Io } from './io.js';
import { processIo } from './io.js';
import { buildProgram } from './program.js';
import { describeRemoteError } from './remote-error.js';

/** A usage error commander found, with the command it concerns. */
class CommandLineError extends Error {
  constructor(
    readonly command: Command,
    readonly commanderError: CommanderError,
  ) {
    super(commanderError.message.replace(/^error: /, ''));
  }
}

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = await buildProgram(io, argv);
  let active: Command = program;
  program.hook('preAction', (_program, actionCommand) => {
    active = actionCommand;
  });
  for (const command of allCommands(program)) {
    command.exitOverride((error) => {
      throw new CommandLineError(command, error);
    });
    command.configureOutput({ outputError: () => {} }); // main prints errors itself
  }
  if (argv.length === 0) {
    io.out(program.helpInformation().trimEnd());
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, error instanceof CommandLineError ? error.command : active, io);
  }
}

function report(error: unknown, command: Command, io: Io): number {
  const where = commandPath(command);
  if (error instanceof CommandLineError) {
    const { code, exitCode } = error.commanderError;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code === 'commander.help' || code === 'commander.executeSubCommandAsync') return exitCode;
    io.err(`${where}: ${error.message}`);
    io.err(usageOf(command));
    return 2;
  }
  if (error instanceof UsageError) {
    io.err(`${where}: ${error.message}`);
    io.err(usageOf(command));
    return 2;
  }
  if (error instanceof CommandExit) return error.exitCode;
  if (error instanceof AppImportError) {
    // The user's own bug: its stack is what they need.
    const cause = error.cause;
    io.err(`${where}: ${error.message}:`);
    io.err(cause instanceof Error ? userStack(cause) : String(cause));
    return 1;
  }
  if (error instanceof RemoteTaskError) {
    const task = error.taskId === undefined ? 'the task' : `task ${error.taskId}`;
    io.err(`${where}: ${task} failed: ${describeRemoteError(error)}`);
    return 1;
  }
  if (error instanceof CeleriacError || isSystemError(error)) {
    io.err(`${where}: ${firstLine((error as Error).message)}`);
    return 1;
  }
  io.err(`${where}: unexpected error (a bug in celeriac; please report it with this output):`);
  io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

/** `Usage: celeriac worker [options]` and where to read more. */
function usageOf(command: Command): string {
  const path = commandPath(command);
  if (!command.parent) return command.helpInformation().trimEnd();
  return `Usage: ${path} ${command.usage()}\nRun '${path} --help' for its options.`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap((c) => allCommands(c))];
}

/** Node's errors from the system (ECONNREFUSED, ENOENT…): expected, not bugs. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** An error's stack down to the frame where Node's module loader imported the app. */
function userStack(error: Error): string {
  const lines = (error.stack ?? `${error.name}: ${error.message}`).split('\n');
  const loader = lines.findIndex((line) => line.includes('(node:internal/modules/'));
  return (loader > 0 ? lines.slice(0, loader) : lines).join('\n');
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
