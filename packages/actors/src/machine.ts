/**
 * The lifecycle statechart, as DESIGN.md draws it, built once per actor definition:
 *
 * ```
 * initializing → starting { dependencies → resources → tasks } → started
 * started  = parallel { run: running { healthy | degraded | unhealthy } | paused
 *                       activity: idle | <task> { waiting → running → retrying } }
 * stopping { tasks → resources → dependencies } → stopped
 * starting | started | restarting → crashed
 * restarting { stopping { tasks → resources } → starting { … } } → started
 * ```
 *
 * XState runs every region but `activity`: `started` here holds the `run` region, and its
 * entry and exit actions and the entry actions of the health states tell the task runner
 * (`task-runner.ts`) when the activity region is entered, left, or its health gate may
 * have opened. The activity region — one task step per `actor.run()`, thousands per
 * second on a worker's executors — is interpreted by the task runner itself: the same
 * states, transitions and inspection records, at a fraction of the cost of an XState
 * macrostep (two macrosteps and a spawned promise actor per step cost more than the whole
 * per-task budget of the worker).
 *
 * Every asynchronous phase is an invoked promise actor that calls into the instance's
 * runtime (the machine's only context), so the machine itself holds no per-instance
 * closures. XState's cleanup is synchronous; releasing resources is therefore a state
 * (`stopping.resources`), not a cleanup callback.
 */
import { fromCallback, fromPromise, setup } from 'xstate';
import type { ExitReason, Health } from './state.js';

/** Events the lifecycle machine accepts from the runtime. */
export type LifecycleEvent =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'restart' }
  | { type: 'pause' }
  /** `health`: a report made while paused, applied on resume instead of the remembered one. */
  | { type: 'resume'; health?: Health; reason?: string }
  | { type: 'health'; health: Health; reason?: string }
  | { type: 'crash'; error: unknown };

/** What the machine calls; implemented by the actor instance. */
export interface LifecycleRuntime {
  startDependencies(signal: AbortSignal): Promise<void>;
  acquireResources(signal: AbortSignal): Promise<void>;
  startTasks(): Promise<void>;
  drainTasks(): Promise<void>;
  releaseResources(reason: ExitReason): Promise<void>;
  releaseDependencies(): Promise<void>;
  releaseAfterCrash(): Promise<void>;
  /** `started` was entered (by `event`): the activity region starts. */
  enterActivity(event: string): void;
  /** `started` is being left: the step in flight is aborted, the region is gone. */
  exitActivity(): void;
  /** A health state was entered (start, health change, resume): a task may start. */
  gateChanged(event: string): void;
  recordCrash(error: unknown): void;
  /** A health report arrived while paused: kept, and applied on resume. */
  deferHealth(health: Health, reason: string | undefined): void;
  crashSettled(): void;
  settled(state: 'started' | 'stopped'): void;
  startHealthProbe(send: (event: LifecycleEvent) => void): () => void;
}

/** The shape of a definition the machine is built from. */
export interface MachineShape {
  readonly name: string;
  readonly healthCheck: boolean;
}

const ROOT = 'actor';

const lifecycle = setup({
  types: {
    context: {} as { rt: LifecycleRuntime },
    input: {} as LifecycleRuntime,
    events: {} as LifecycleEvent,
  },
  actors: {
    startDependencies: fromPromise<void, LifecycleRuntime>(({ input, signal }) =>
      input.startDependencies(signal),
    ),
    acquireResources: fromPromise<void, LifecycleRuntime>(({ input, signal }) =>
      input.acquireResources(signal),
    ),
    startTasks: fromPromise<void, LifecycleRuntime>(({ input }) => input.startTasks()),
    drainTasks: fromPromise<void, LifecycleRuntime>(({ input }) => input.drainTasks()),
    releaseForStop: fromPromise<void, LifecycleRuntime>(({ input }) =>
      input.releaseResources('stop'),
    ),
    releaseForRestart: fromPromise<void, LifecycleRuntime>(({ input }) =>
      input.releaseResources('restart'),
    ),
    releaseDependencies: fromPromise<void, LifecycleRuntime>(({ input }) =>
      input.releaseDependencies(),
    ),
    releaseAfterCrash: fromPromise<void, LifecycleRuntime>(({ input }) =>
      input.releaseAfterCrash(),
    ),
    healthProbe: fromCallback<LifecycleEvent, LifecycleRuntime>(({ input, sendBack }) =>
      input.startHealthProbe(sendBack),
    ),
  },
  actions: {
    recordCrash: ({ context, event }) => {
      context.rt.recordCrash((event as { error?: unknown }).error);
    },
    crashSettled: ({ context }) => {
      context.rt.crashSettled();
    },
    settledStarted: ({ context }) => {
      context.rt.settled('started');
    },
    enterActivity: ({ context, event }) => {
      context.rt.enterActivity(event.type);
    },
    exitActivity: ({ context }) => {
      context.rt.exitActivity();
    },
    gateChanged: ({ context, event }) => {
      context.rt.gateChanged(event.type);
    },
    settledStopped: ({ context }) => {
      context.rt.settled('stopped');
    },
    deferHealth: ({ context, event }) => {
      const { health, reason } = event as { health: Health; reason?: string };
      context.rt.deferHealth(health, reason);
    },
  },
});

const rt = ({ context }: { context: { rt: LifecycleRuntime } }): LifecycleRuntime => context.rt;
const toCrashed = { target: `#${ROOT}.crashed`, actions: 'recordCrash' } as const;

/** `from → to` as an invoked phase that moves on when done and crashes on error. */
function phase(src: string, id: string, onDone: string): object {
  return { invoke: { src, id, input: rt, onDone, onError: toCrashed } };
}

function startingStates(done: string): object {
  return {
    initial: 'dependencies',
    states: {
      dependencies: phase('startDependencies', 'dependencies', 'resources'),
      resources: phase('acquireResources', 'resources', 'tasks'),
      tasks: phase('startTasks', 'tasks', done),
    },
  };
}

function create(config: Parameters<typeof lifecycle.createMachine>[0]) {
  return lifecycle.createMachine(config);
}

/** The type of every lifecycle machine (their configs differ only in task states). */
export type LifecycleMachine = ReturnType<typeof create>;

/** Builds the lifecycle machine of one definition. Called once per `defineActor`. */
export function buildLifecycleMachine(shape: MachineShape): LifecycleMachine {
  const health = (h: Health) => ({
    guard: ({ event }: { event: LifecycleEvent }) => event.type === 'health' && event.health === h,
    target: `.${h}`,
  });
  const resumeTo = (h: Health) => ({
    guard: ({ event }: { event: LifecycleEvent }) => event.type === 'resume' && event.health === h,
    target: `running.${h}`,
  });
  const config = {
    id: ROOT,
    context: ({ input }: { input: LifecycleRuntime }) => ({ rt: input }),
    initial: 'initializing',
    states: {
      initializing: { on: { start: 'starting', stop: 'stopped' } },
      starting: {
        ...startingStates(`#${ROOT}.started`),
        on: { stop: 'stopping', crash: toCrashed },
      },
      started: {
        // The activity region is entered before the start is settled, so `await start()`
        // already sees the initial task; it is left (its step aborted) on every way out.
        entry: ['enterActivity', 'settledStarted'],
        exit: 'exitActivity',
        ...(shape.healthCheck ? { invoke: { src: 'healthProbe', id: 'health', input: rt } } : {}),
        initial: 'running',
        states: {
          running: {
            initial: 'healthy',
            states: {
              healthy: { entry: 'gateChanged' },
              degraded: { entry: 'gateChanged' },
              unhealthy: { entry: 'gateChanged' },
              hist: { type: 'history' },
            },
            on: {
              pause: 'paused',
              health: [health('healthy'), health('degraded'), health('unhealthy')],
            },
          },
          paused: {
            on: {
              resume: [
                resumeTo('healthy'),
                resumeTo('degraded'),
                resumeTo('unhealthy'),
                { target: 'running.hist' },
              ],
              health: { actions: 'deferHealth' },
            },
          },
        },
        on: { stop: 'stopping', restart: 'restarting', crash: toCrashed },
      },
      stopping: {
        initial: 'tasks',
        states: {
          tasks: phase('drainTasks', 'tasks', 'resources'),
          resources: phase('releaseForStop', 'release', 'dependencies'),
          dependencies: phase('releaseDependencies', 'dependencies', `#${ROOT}.stopped`),
        },
      },
      stopped: { entry: 'settledStopped', on: { start: 'starting' } },
      crashed: {
        invoke: {
          src: 'releaseAfterCrash',
          id: 'crashRelease',
          input: rt,
          onDone: { actions: 'crashSettled' },
          onError: { actions: 'crashSettled' },
        },
        on: { start: 'starting', restart: 'restarting', stop: 'stopping' },
      },
      restarting: {
        initial: 'stopping',
        states: {
          stopping: {
            initial: 'tasks',
            states: {
              tasks: phase('drainTasks', 'tasks', 'resources'),
              resources: phase('releaseForRestart', 'release', `#${ROOT}.restarting.starting`),
            },
          },
          starting: startingStates(`#${ROOT}.started`),
        },
        on: { stop: 'stopping', crash: toCrashed },
      },
    },
  };
  // The config is assembled from the definition's shape, so XState cannot infer its
  // literal types; the implementations above are typed through `setup`.
  return create(config as never);
}
