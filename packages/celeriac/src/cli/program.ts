/**
 * The `celeriac` program: its commands, Celery's names and flags where Celery has them.
 *
 * Each command's module is imported only when the command line names it (every command
 * for help, no command or a name the program does not know): a worker never loads the
 * dashboard's web server, the monitor or the operators' commands, which cost it about
 * a third of its idle memory (docs/performance.md).
 */
import { Command } from 'commander';
import { addConnectionOptions } from './connection-options.js';
import type { Io } from './io.js';
import { celeriacVersion } from './version.js';

const ENVIRONMENT = `
Environment:
  CELERIAC_BROKER_URL       broker URL when neither -b nor the app names one
  CELERIAC_RESULT_BACKEND   result backend URL when neither --backend nor the app names one
  CELERIAC_BEAT_NAMESPACE   beat --namespace, worker --beat-namespace
  CELERIAC_CONTROL_KEY      the control key: inspect, control, status and dashboard sign with it
  CELERIAC_DASHBOARD_TOKEN  dashboard --auth-token
  OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, …
                            worker, beat and call send OpenTelemetry traces (docs/observability.md)

Exit codes: 0 done, 1 failed, 2 a command line that cannot run.`;

type CommandLoader = (io: Io) => Promise<Command>;

/** Every command by name, in the order help lists them. */
const COMMANDS: Readonly<Record<string, CommandLoader>> = {
  worker: async (io) => (await import('./worker-command.js')).workerCommand(io),
  beat: async (io) => (await import('./beat-command.js')).beatCommand(io),
  call: async (io) => (await import('./call-command.js')).callCommand(io),
  inspect: async (io) => (await import('./remote-command.js')).inspectCommand(io),
  control: async (io) => (await import('./remote-command.js')).controlCommand(io),
  status: async (io) => (await import('./remote-command.js')).statusCommand(io),
  events: async (io) => (await import('./events-command.js')).eventsCommand(io),
  purge: async (io) => (await import('./purge-command.js')).purgeCommand(io),
  result: async (io) => (await import('./result-command.js')).resultCommand(io),
  report: async (io) => (await import('./report-command.js')).reportCommand(io),
  dashboard: async (io) => (await import('./dashboard-command.js')).dashboardCommand(io),
};

/**
 * The program for `argv` (without node and the script); `io` receives what commands
 * print. It holds the command `argv` names, or every command when it names none it knows.
 */
export async function buildProgram(io: Io, argv: readonly string[] = []): Promise<Command> {
  const program = addConnectionOptions(new Command('celeriac'))
    .description('Run celeriac workers and operate a Celery-compatible fleet.')
    .version(celeriacVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print help')
    .helpCommand(false)
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    })
    .addHelpText('after', ENVIRONMENT);
  const named = commandName(program, argv);
  const names =
    named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  const commands = await Promise.all(names.map((name) => COMMANDS[name]!(io)));
  for (const command of commands) {
    program.addCommand(command);
    command.helpOption('-h, --help', 'print help').configureOutput(program.configureOutput());
  }
  return program;
}

/** The first word of `argv` that is neither one of the program's options nor its value. */
function commandName(program: Command, argv: readonly string[]): string | undefined {
  const valued = new Set(
    program.options
      .filter((option) => option.required || option.optional)
      .flatMap((option) => [option.short, option.long])
      .filter((flag): flag is string => flag !== undefined),
  );
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (valued.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
