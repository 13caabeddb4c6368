// `celeriac dashboard` runs under the dashboard's Node flags (DASHBOARD_NODE_FLAGS of
// @celeriac/dashboard: V8 sizes that must be given at start, about half the RSS under
// load). The bin decides before it loads anything else, so no second copy of the CLI stays
// in memory: where Node has process.execve (22.15+, 23.11+) the process becomes the new one
// (same PID, signals reach it directly); elsewhere a child runs it and this process only
// relays SIGTERM, SIGINT and SIGHUP and exits with the child's code. The child carries a
// mark so it never does this again.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import process from 'node:process';

/** Keep equal to DASHBOARD_NODE_FLAGS (a test checks). */
export const DASHBOARD_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size', '--max-opt=0'];
const MARK = 'CELERIAC_REEXECUTED';
/** Options before the command name that take a value. */
const VALUED = new Set(['-A', '--app', '-b', '--broker', '--backend', '--result-backend']);

/** The command name in `argv` (the first word that is neither an option nor its value). */
export function commandOf(argv) {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (VALUED.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function missing(flags) {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const name = (flag) => flag.split('=', 1)[0];
  return flags.some((flag) => !given.some((g) => name(g) === name(flag)));
}

/**
 * When `argv` runs the dashboard without its flags, run it again with them; resolves to
 * the child's exit code (spawned), never (execve), or undefined when nothing was done.
 */
export async function reexecForDashboard(argv) {
  if (process.env[MARK] === '1' || commandOf(argv) !== 'dashboard') return undefined;
  if (!missing(DASHBOARD_FLAGS)) return undefined;
  const args = [...DASHBOARD_FLAGS, ...process.execArgv, process.argv[1], ...argv];
  const env = { ...process.env, [MARK]: '1' };
  if (typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...args], env);
  }
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  const relay = (signal) => child.kill(signal);
  for (const signal of signals) process.on(signal, relay);
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}
