// `celeriac worker` from the built CLI runs under WORKER_FLAGS: V8 grows a busy worker's
// young generation to 64 MB per semi-space (Node 24) and keeps it when the worker goes
// idle again — 100,000 no-op tasks left an idle worker 160 MB larger; capped at 2 MB it
// grew about 60 MB, idle it is about 10 MB smaller, and its CPU per task did not rise
// (docs/performance.md). The flag must be given at start, so the bin replaces itself with
// a process that has it — only where Node has process.execve (same PID, nothing in front
// of the worker); elsewhere, and when running from sources (a checkout: tests, tsx in
// memory anyway), the worker runs without it. A flag already given wins.
import process from 'node:process';
import { commandOf } from './node-flags.js';

export const WORKER_FLAGS = ['--max-semi-space-size=2'];
const MARK = 'CELERIAC_REEXECUTED';

/** Replace this process with one under WORKER_FLAGS when `argv` runs a built worker. */
export function reexecForWorker(argv, fromSource) {
  if (fromSource || process.env[MARK] === '1' || commandOf(argv) !== 'worker') return;
  if (typeof process.execve !== 'function') return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const name = (flag) => flag.split('=', 1)[0].replaceAll('_', '-');
  const flags = WORKER_FLAGS.filter((flag) => !given.some((g) => name(g) === name(flag)));
  if (flags.length === 0) return;
  const args = [...flags, ...process.execArgv, process.argv[1], ...argv];
  process.execve(process.execPath, [process.execPath, ...args], { ...process.env, [MARK]: '1' });
}
