/**
 * The `celeriac` command line: `celeriac worker …`, `celeriac call …`.
 */
import { CeleriacError } from '@celeriac/protocol';
import { CALL_USAGE, callCommand } from './call-command.js';
import { UsageError } from './usage-error.js';
import { WORKER_USAGE, workerCommand } from './worker-command.js';

const USAGE = `Usage: celeriac <command> [options]

Commands:
  worker    run a worker for an app's tasks
  call      send a task by name

Run 'celeriac <command> --help' for a command's options.
`;

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const help = rest.includes('--help') || rest.includes('-h');
  try {
    switch (command) {
      case 'worker':
        if (help) return print(WORKER_USAGE);
        return await workerCommand(rest);
      case 'call':
        if (help) return print(CALL_USAGE);
        return await callCommand(rest, (line) => process.stdout.write(`${line}\n`));
      case undefined:
      case '--help':
      case '-h':
        return print(USAGE);
      default:
        process.stderr.write(`celeriac: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`celeriac ${error.message}\n\n${error.usage}`);
      return 2;
    }
    if (error instanceof CeleriacError || (error instanceof TypeError && 'code' in error)) {
      // parseArgs' own errors (unknown option, missing value) carry a code too.
      process.stderr.write(`celeriac: ${error.message}\n`);
      return error instanceof CeleriacError ? 1 : 2;
    }
    throw error;
  }
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}
