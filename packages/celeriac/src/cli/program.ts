/**
 * The `celeriac` program: its commands, Celery's names and flags where Celery has them.
 */
import { Command } from 'commander';
import { beatCommand } from './beat-command.js';
import { callCommand } from './call-command.js';
import { dashboardCommand } from './dashboard-command.js';
import { addConnectionOptions } from './connection-options.js';
import type { Io } from './io.js';
import { eventsCommand } from './events-command.js';
import { purgeCommand } from './purge-command.js';
import { controlCommand, inspectCommand, statusCommand } from './remote-command.js';
import { reportCommand } from './report-command.js';
import { resultCommand } from './result-command.js';
import { celeriacVersion } from './version.js';
import { workerCommand } from './worker-command.js';

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

/** The program with every command; `io` receives what commands print. */
export function buildProgram(io: Io): Command {
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
  program.addCommand(workerCommand(io));
  program.addCommand(beatCommand(io));
  program.addCommand(callCommand(io));
  program.addCommand(inspectCommand(io));
  program.addCommand(controlCommand(io));
  program.addCommand(statusCommand(io));
  program.addCommand(eventsCommand(io));
  program.addCommand(purgeCommand(io));
  program.addCommand(resultCommand(io));
  program.addCommand(reportCommand(io));
  program.addCommand(dashboardCommand(io));
  for (const command of program.commands) {
    command.helpOption('-h, --help', 'print help').configureOutput(program.configureOutput());
  }
  return program;
}
