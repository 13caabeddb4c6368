/**
 * How the worker reaches a thread or process unit: start it on `unit-main`, send it
 * messages, end it, and learn that it ended. A thread is a `worker_threads` Worker
 * (ended with `terminate()`, which stops even a synchronous loop); a process is a
 * `child_process.fork` child (ended with a signal; SIGKILL when it must go now), spoken to
 * in JSON over its IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromUnit, ToUnit } from './unit-messages.js';

/** The unit program: `unit-main.ts` when the worker runs from its sources, else `.js`. */
const ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './unit-main.ts' : './unit-main.js',
  import.meta.url,
);

/** A started thread or child process. */
export interface UnitChannel {
  send(message: ToUnit): void;
  /** End it: `signal` for a process (SIGKILL when omitted); a thread is terminated. */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves once it has exited, with how (`exited with code 1`, `killed by SIGKILL`). */
  readonly exited: Promise<string>;
  /** Whether it has exited. */
  readonly gone: boolean;
}

/** Options of {@link openChannel}. */
export interface ChannelOptions {
  readonly appModule: string;
  /** Node flags of the unit; a TypeScript loader is added when the worker runs from sources. */
  readonly execArgv: readonly string[];
  readonly onMessage: (message: FromUnit) => void;
}

/**
 * The Node flags a unit gets by default: the worker's own, plus — when the worker itself
 * runs from TypeScript sources and no loader is named — tsx and the source condition.
 */
export function defaultUnitExecArgv(): string[] {
  const argv = [...process.execArgv];
  if (ENTRY.pathname.endsWith('.ts') && !argv.some((a) => a.includes('tsx'))) {
    argv.push('--conditions=@celeriac/source', '--import', 'tsx');
  }
  return argv;
}

/** Start a thread unit. */
export function openThread(options: ChannelOptions): UnitChannel {
  const worker = new Worker(ENTRY, {
    workerData: { appModule: options.appModule },
    execArgv: [...options.execArgv],
  });
  let gone = false;
  let reason = 'exited';
  worker.on('message', options.onMessage);
  worker.on('error', (error: Error) => {
    reason = `crashed: ${error.message}`;
  });
  const exited = new Promise<string>((resolve) =>
    worker.once('exit', (code) => {
      gone = true;
      resolve(reason === 'exited' ? `exited with code ${code}` : reason);
    }),
  );
  return {
    send: (message) => worker.postMessage(message),
    kill: () => {
      if (!gone) {
        reason = 'terminated';
        void worker.terminate();
      }
    },
    exited,
    get gone() {
      return gone;
    },
  };
}

/** Start a process unit. */
export function openProcess(options: ChannelOptions): UnitChannel {
  const child: ChildProcess = fork(fileURLToPath(ENTRY), [options.appModule], {
    execArgv: [...options.execArgv],
    serialization: 'json',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let gone = false;
  child.on('message', (message) => options.onMessage(message as FromUnit));
  // A failed send (the child is gone) shows as its exit; nothing else to do with it.
  child.on('error', () => undefined);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve(signal === null ? `exited with code ${code}` : `killed by ${signal}`);
    }),
  );
  return {
    send: (message) => {
      if (!gone && child.connected) child.send(message);
    },
    kill: (signal = 'SIGKILL') => {
      if (!gone) child.kill(signal);
    },
    exited,
    get gone() {
      return gone;
    },
  };
}
