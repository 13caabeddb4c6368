/**
 * `createWorker` and the `Worker` handle: start, warm/cold stop, signal handlers,
 * local inspection and revoke. The running worker is an actor tree (`worker-tree.ts`).
 */
import { WorkerStateError } from './errors.js';
import type { RequestInfo } from './task-request.js';
import { requestInfo } from './task-request.js';
import { ShutdownMode } from './shutdown.js';
import { installSignalHandlers } from './signals.js';
import { buildWorkerParts, type WorkerParts } from './worker-parts.js';
import { createWorkerTree, type WorkerTree } from './worker-tree.js';
import type { WorkerOptions } from './worker-options.js';
import { revokeTask } from './revoke.js';

/** Worker lifecycle. */
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
  /** `warm` (default) lets running tasks finish; `cold` aborts them. */
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
   * command) or crashed (its supervisor gave up), with that final state — after the
   * connections it owns are closed. Never rejects.
   */
  readonly finished: Promise<typeof WorkerState.stopped | typeof WorkerState.crashed>;
  /** Connect, start the actor tree, consume. Only from `created`. */
  start(): Promise<void>;
  /**
   * Shut down; idempotent (the same promise), but a `cold` call during a warm shutdown
   * escalates it.
   */
  stop(options?: StopOptions): Promise<void>;
  /**
   * SIGTERM and a first SIGINT stop warm; a second SIGINT or SIGQUIT stops cold.
   * Returns the function that removes the handlers.
   */
  installSignalHandlers(): () => void;
  /** Revoke a task id on this worker (as the `revoke` control command does). */
  revoke(taskId: string, options?: { terminate?: boolean }): void;
  /** Local views of `inspect active|reserved|scheduled|registered|revoked`. */
  readonly inspect: {
    active(): RequestInfo[];
    reserved(): RequestInfo[];
    scheduled(): { eta: string; priority: number; request: RequestInfo }[];
    registered(): string[];
    revoked(): string[];
  };
}

/** Create a worker. Nothing connects until `start()`. */
export function createWorker(options: WorkerOptions): Worker {
  let requestShutdown: (mode: ShutdownMode) => void = () => {};
  const parts: WorkerParts = buildWorkerParts(options, {
    onShutdownRequested: (mode) => requestShutdown(mode),
  });
  let state: WorkerState = WorkerState.created;
  let finish: (final: typeof WorkerState.stopped | typeof WorkerState.crashed) => void = () => {};
  const finished = new Promise<typeof WorkerState.stopped | typeof WorkerState.crashed>(
    (resolve) => (finish = resolve),
  );
  // Runs once, when the worker reaches a final state: close what it owns, then settle.
  let finalized = false;
  const finalize = (final: typeof WorkerState.stopped | typeof WorkerState.crashed) => {
    if (finalized) return;
    finalized = true;
    const closing: Promise<void>[] = [];
    if (options.ownTransport) closing.push(options.transport.close());
    if (options.ownBackend) closing.push(options.backend.close());
    void Promise.allSettled(closing).then(() => finish(final));
  };
  const tree = createWorkerTree(parts, (error) => {
    if (state === WorkerState.stopping || state === WorkerState.stopped) return;
    state = WorkerState.crashed;
    parts.rt.logger.error(`${parts.rt.hostname} crashed: its supervisor gave up`, {
      error: error instanceof Error ? error.message : String(error),
    });
    finalize(WorkerState.crashed);
  });
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let escalate: () => void = () => {};
  const escalated = new Promise<void>((resolve) => (escalate = resolve));
  const { rt, dispatcher, pool } = parts;
  const info = (r: Parameters<typeof requestInfo>[0]) =>
    requestInfo(r, rt.hostname, { pid: rt.pid });

  const worker: Worker = {
    hostname: rt.hostname,
    get state() {
      return state;
    },
    tree,
    finished,
    start() {
      if (state === WorkerState.starting || state === WorkerState.running) return starting!;
      if (state !== WorkerState.created)
        return Promise.reject(new WorkerStateError('start', state));
      state = WorkerState.starting;
      starting = tree.start().then(
        () => {
          if (state === WorkerState.starting) state = WorkerState.running;
          rt.logger.info(`${rt.hostname} ready.`, { queues: parts.options.queues });
        },
        (error: unknown) => {
          state = WorkerState.crashed;
          finalize(WorkerState.crashed);
          throw error;
        },
      );
      return starting;
    },
    stop(stopOptions = {}) {
      const mode = stopOptions.mode ?? ShutdownMode.warm;
      if (mode === ShutdownMode.cold) escalate();
      if (stopping) return stopping;
      if (state === WorkerState.created) {
        state = WorkerState.stopped;
        finalize(WorkerState.stopped);
        stopping = finished.then(() => {});
        return stopping;
      }
      const previous = starting ?? Promise.resolve();
      state = WorkerState.stopping;
      rt.logger.info(`${mode === 'warm' ? 'Warm' : 'Cold'} shutdown (${rt.hostname})`);
      stopping = previous
        .catch(() => {})
        .then(() => tree.stop(mode, escalated))
        .then(
          () => {
            state = WorkerState.stopped;
            finalize(WorkerState.stopped);
          },
          (error: unknown) => {
            state = WorkerState.crashed;
            finalize(WorkerState.crashed);
            throw error;
          },
        )
        // Resolve stop() only after owned connections are closed.
        .then(() => finished.then(() => {}));
      return stopping;
    },
    installSignalHandlers() {
      return installSignalHandlers(worker, rt.logger);
    },
    revoke(taskId, revokeOptions = {}) {
      revokeTask(parts, [taskId], revokeOptions.terminate ?? false);
    },
    inspect: {
      active: () => pool.active().map(info),
      reserved: () => dispatcher.reserved().map(info),
      scheduled: () =>
        dispatcher.timer.scheduled().map((r) => ({
          eta: new Date(r.eta ?? 0).toISOString().replace('Z', '+00:00'),
          priority: 6,
          request: info(r),
        })),
      registered: () => rt.registry.names(),
      revoked: () => rt.revoked.values(),
    },
    [Symbol.asyncDispose]() {
      return worker.stop();
    },
  };
  requestShutdown = (mode) => {
    void worker.stop({ mode }).catch(() => {});
  };
  return worker;
}
