/**
 * `createWorker` and the `Worker` handle: start, warm/cold stop, signal handlers, local
 * inspection and revoke. The running worker is an actor tree (`lifecycle/worker-tree.ts`)
 * over the parts `lifecycle/assemble.ts` builds.
 */
import { revokeTasks } from './control/revoke.js';
import { scheduledInfo } from './control/inspect-commands.js';
import { WorkerError, WorkerStateError, WorkerStoppedError } from './errors.js';
import { assembleWorker, type WorkerParts } from './lifecycle/assemble.js';
import { oneLine } from './lifecycle/connection.js';
import { ShutdownMode } from './lifecycle/shutdown.js';
import { installSignalHandlers } from './lifecycle/signals.js';
import { signals } from './worker-signals.js';
import { createWorkerTree, type WorkerTree } from './lifecycle/worker-tree.js';
import { requestInfo, type RequestInfo } from './pipeline/request.js';
import type { WorkerOptions } from './worker-options.js';

/** Worker lifecycle: `created → starting → running → stopping → stopped`, or `crashed`. */
export const WorkerState = {
  created: 'created',
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  crashed: 'crashed',
} as const;
/** One of the values of {@link WorkerState}. */
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** Options of {@link Worker.stop}. */
export interface StopOptions {
  /**
   * `warm` (default) lets running tasks finish (up to `shutdownTimeoutMs`); `cold` ends
   * them now: threads and child processes are killed, async handlers abandoned.
   */
  mode?: ShutdownMode;
}

/** A running (or runnable) worker. */
export interface Worker extends AsyncDisposable {
  /** Node name, e.g. `celeriac@host`. */
  readonly hostname: string;
  /** Lifecycle state. */
  readonly state: WorkerState;
  /** The actor tree, for inspection. */
  readonly tree: WorkerTree;
  /**
   * Settles once the worker has stopped (by `stop()`, a signal, or the remote `shutdown`
   * command) or crashed (it could not start, or its supervisor gave up), with that final
   * state — after the connections it owns are closed. Never rejects.
   */
  readonly finished: Promise<typeof WorkerState.stopped | typeof WorkerState.crashed>;
  /**
   * Connect (retrying as `brokerConnectionRetry` says), start the actor tree, consume.
   * Only from `created`. Rejects with a one-line error when it cannot start
   * (`BrokerConnectionError`, `UnitStartError`, …; `finished` is then `crashed`), or with
   * `WorkerStoppedError` when `stop()` came first (`finished` is then `stopped`).
   */
  start(): Promise<void>;
  /**
   * Shut down; idempotent (the same promise), but a `cold` call during a warm shutdown
   * escalates it. While starting (e.g. retrying the broker), stops at once.
   */
  stop(options?: StopOptions): Promise<void>;
  /**
   * SIGTERM and a first SIGINT stop warm; a second SIGINT or SIGQUIT stops cold.
   * Returns the function that removes the handlers.
   */
  installSignalHandlers(): () => void;
  /**
   * Revoke a task id on this worker (as the `revoke` control command does); with
   * `terminate` a running one is ended (`signal` is sent to a child process).
   */
  revoke(taskId: string, options?: { terminate?: boolean; signal?: string }): void;
  /** Local views of `inspect active|reserved|scheduled|registered|revoked`. */
  readonly inspect: {
    active(): RequestInfo[];
    reserved(): RequestInfo[];
    scheduled(): { eta: string; priority: number; request: RequestInfo }[];
    registered(): string[];
    revoked(): string[];
  };
}

type Final = typeof WorkerState.stopped | typeof WorkerState.crashed;

/** Create a worker. Nothing connects until `start()`. */
export function createWorker(options: WorkerOptions): Worker {
  const stopping = new AbortController();
  // The remote `shutdown` command asks through this signal; the worker listens below.
  const shutdownAsked = new AbortController();
  const parts: WorkerParts = assembleWorker(options, () => shutdownAsked.abort());
  const { hostname, logger, intake, registry, revoked } = parts;
  let state: WorkerState = WorkerState.created;
  let settle!: (final: Final) => void;
  const finished = new Promise<Final>((resolve) => (settle = resolve));
  // Runs once, when the worker reaches a final state: close what it owns, then settle.
  let finalized = false;
  const finalize = (final: Final) => {
    if (finalized) return;
    finalized = true;
    state = final;
    const closing: Promise<void>[] = [];
    if (options.ownTransport) closing.push(options.transport.close());
    if (options.ownBackend) closing.push(options.backend.close());
    void Promise.allSettled(closing)
      .then(() => signals.workerShutdown.send({ hostname, state: final }, { logger }))
      .then(() => settle(final));
  };
  const tree = createWorkerTree(parts, {
    stopSignal: stopping.signal,
    onCrashed: (error) => {
      if (state !== WorkerState.running) return;
      logger.error(`${hostname} crashed: its supervisor gave up: ${oneLine(rootCause(error))}`);
      void tree.dispose().finally(() => finalize(WorkerState.crashed));
    },
  });
  let starting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let escalate: () => void = () => {};
  const escalated = new Promise<void>((resolve) => (escalate = resolve));
  const info = (r: Parameters<typeof requestInfo>[0]) => requestInfo(r, hostname);

  async function begin(): Promise<void> {
    try {
      await tree.start();
    } catch (error) {
      await tree.dispose();
      const cause = rootCause(error);
      if (stopping.signal.aborted) {
        finalize(WorkerState.stopped);
        throw new WorkerStoppedError(hostname);
      }
      finalize(WorkerState.crashed);
      throw cause;
    }
    if (state === WorkerState.starting) state = WorkerState.running;
    logger.info(`${hostname} ready.`, { queues: parts.consumer.queues, pool: parts.pool.kind });
    await signals.workerReady.send({ hostname }, { logger });
  }

  function stop(stopOptions: StopOptions = {}): Promise<void> {
    const mode = stopOptions.mode ?? ShutdownMode.warm;
    if (mode === ShutdownMode.cold) escalate();
    if (stopped) return stopped;
    if (state === WorkerState.created || finalized) {
      finalize(WorkerState.stopped);
      stopped = finished.then(() => undefined);
      return stopped;
    }
    const wasStarting = state === WorkerState.starting;
    state = WorkerState.stopping;
    stopping.abort(new WorkerStoppedError(hostname));
    logger.info(`${mode === 'warm' ? 'Warm' : 'Cold'} shutdown (${hostname})`);
    stopped = (async () => {
      if (wasStarting) {
        // A failed start already released the tree (connection retries end at once).
        const startFailed = await starting!.then(
          () => false,
          () => true,
        );
        if (startFailed) return;
      }
      try {
        await tree.stop(mode, escalated);
        finalize(WorkerState.stopped);
      } catch (error) {
        finalize(WorkerState.crashed);
        throw error;
      }
    })().then(() => finished.then(() => undefined));
    return stopped;
  }

  shutdownAsked.signal.addEventListener('abort', () => {
    stop({ mode: ShutdownMode.warm }).catch((error: unknown) =>
      logger.error('Shutdown failed', { error: oneLine(error) }),
    );
  });

  const worker: Worker = {
    hostname,
    get state() {
      return state;
    },
    tree,
    finished,
    start() {
      if (state === WorkerState.starting || state === WorkerState.running) return starting!;
      if (state !== WorkerState.created) {
        return Promise.reject(new WorkerStateError('start', state));
      }
      state = WorkerState.starting;
      starting = begin();
      return starting;
    },
    stop,
    installSignalHandlers() {
      return installSignalHandlers(worker, logger);
    },
    revoke(taskId, revokeOptions = {}) {
      revokeTasks(parts, [taskId], revokeOptions.terminate ?? false, revokeOptions.signal);
    },
    inspect: {
      active: () => intake.active().map(info),
      reserved: () => intake.reserved().map(info),
      scheduled: () => scheduledInfo(parts, false),
      registered: () => registry.names(),
      revoked: () => revoked.values(),
    },
    [Symbol.asyncDispose]() {
      return worker.stop();
    },
  };
  return worker;
}

/**
 * The error worth reporting from a failed start or crash: the first celeriac error down
 * the `cause` chain (the actor runtime wraps it as a resource or restart failure).
 */
function rootCause(error: unknown): unknown {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current);) {
    seen.add(current);
    if (current instanceof WorkerError) return current;
    current = current.cause;
  }
  return error;
}
