/**
 * Signals through a package manager. `npx celeriac worker` and `npm run <script>` start
 * the command through a shell: npm → sh → node. npm forwards SIGTERM and SIGINT to the
 * shell only, and a non-interactive shell dies of SIGTERM without passing it on (and
 * holds SIGINT until its child exits), so the worker would be left running with no
 * parent; npm does not forward SIGQUIT at all and dies of it, leaving shell and worker
 * behind. No code of ours runs in npm or the shell, so the worker watches them instead:
 *
 * - its parent (the shell) is gone: npm relayed SIGTERM or SIGINT to it → warm shutdown;
 * - its parent lives but the shell's parent (npm) is gone: npm died of a signal it does
 *   not relay (SIGQUIT, SIGKILL) → cold shutdown.
 *
 * A signal sent to the whole process group — Ctrl-C or Ctrl-\ in a terminal — reaches
 * the worker directly, as it does when the bin runs without a package manager (in a
 * container: `node_modules/.bin/celeriac worker …` as the command, not `npx`).
 */
import { readFileSync } from 'node:fs';

/** What the watch asks for when the launcher goes away. */
export interface LauncherGone {
  mode: 'warm' | 'cold';
  reason: string;
}

/** Options of {@link watchLauncher} (the defaults read this process). */
export interface LauncherWatchOptions {
  /** Whether a package manager started this process: `npm_lifecycle_event` is set. */
  underPackageManager?: boolean;
  /** How often to look, in ms; default 250. */
  intervalMs?: number;
  /** The current parent PID (`process.ppid`, read anew each time). */
  parentPid?: () => number;
  /** The parent PID of `pid`, undefined when unknown (Linux: /proc/<pid>/stat). */
  parentOf?: (pid: number) => number | undefined;
}

/**
 * Call `onGone` once when the launcher goes away (see the module comment); returns the
 * function that stops watching. Does nothing unless a package manager started us.
 */
export function watchLauncher(
  onGone: (gone: LauncherGone) => void,
  options: LauncherWatchOptions = {},
): () => void {
  const underPackageManager =
    options.underPackageManager ?? process.env['npm_lifecycle_event'] !== undefined;
  if (!underPackageManager) return () => {};
  const parentPid = options.parentPid ?? (() => process.ppid);
  const parentOf = options.parentOf ?? procParentOf;
  const shell = parentPid();
  const packageManager = parentOf(shell);
  const timer = setInterval(() => {
    let gone: LauncherGone | undefined;
    if (parentPid() !== shell) {
      gone = { mode: 'warm', reason: `its parent process (pid ${shell}) exited` };
    } else if (packageManager !== undefined && parentOf(shell) !== packageManager) {
      gone = {
        mode: 'cold',
        reason: `the package manager that started it (pid ${packageManager}) was killed`,
      };
    }
    if (gone) {
      clearInterval(timer);
      onGone(gone);
    }
  }, options.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}

/** Field 4 of /proc/<pid>/stat (after the parenthesised command name); Linux only. */
function procParentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    // Not Linux, or the process is gone: the parent check still works.
    return undefined;
  }
}
