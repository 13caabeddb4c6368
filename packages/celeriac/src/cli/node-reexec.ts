/**
 * Starting this command again under other Node flags (the dashboard's
 * `DASHBOARD_NODE_FLAGS`: V8 sizes that must be given at start). Only when the bin started
 * this process — not when `main()` runs inside someone's program — and only once: the
 * child carries a mark. The parent relays SIGTERM, SIGINT and SIGHUP and exits with the
 * child's code, so a supervisor sees one command.
 */
import { spawn } from 'node:child_process';

const MARK = 'CELERIAC_REEXECUTED';
let startedByBin = false;

/** Record that the bin started this process (called once, by `run`). */
export function setStartedByBin(): void {
  startedByBin = true;
}

/** Whether this process lacks one of `flags` and may start itself again with them. */
export function needsReexec(flags: readonly string[]): boolean {
  if (!startedByBin || process.env[MARK] === '1') return false;
  const given = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const name = (flag: string) => flag.split('=', 1)[0];
  return flags.some((flag) => !given.some((g) => name(g) === name(flag)));
}

/** Run this command again with `flags` first; resolves to the child's exit code. */
export function reexec(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  const relay = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of signals) process.on(signal, relay);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, relay);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}
