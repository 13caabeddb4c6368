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
 * Every asynchronous phase is an invoked promise actor that calls into the instance's
 * runtime (the machine's only context), so the machine itself holds no per-instance
 * closures. XState's cleanup is synchronous; releasing resources is therefore a state
 * (`stopping.resources`), not a cleanup callback.
 */
import { and, fromCallback, fromPromise, not, or, setup, stateIn } from 'xstate';
import type { ExitReason, Health } from './state.js';

/** Sentinel task result: the task failed and its retry policy allows another attempt. */
export const RETRY = '#retry';

/** Events the lifecycle machine accepts from the runtime. */
export type LifecycleEvent =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'restart' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'health'; health: Health }
  | { type: 'run'; task: string }
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
  /** Runs one step of a task; resolves to the next task, `idle`, or {@link RETRY}. */
  runTask(task: string, signal: AbortSignal): Promise<string>;
  retryDelay(): number;
  recordCrash(error: unknown): void;
  crashSettled(): void;
  settled(state: 'started' | 'stopped'): void;
  startHealthProbe(send: (event: LifecycleEvent) => void): () => void;
}

/** The shape of a definition the machine is built from. */
export interface MachineShape {
  readonly name: string;
  readonly tasks: readonly { readonly name: string; readonly allowedIn: readonly Health[] }[];
  readonly initialTask: string | undefined;
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
    task: fromPromise<string, { rt: LifecycleRuntime; task: string }>(({ input, signal }) =>
      input.rt.runTask(input.task, signal),
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
    settledStopped: ({ context }) => {
      context.rt.settled('stopped');
    },
  },
  delays: {
    retryDelay: ({ context }) => context.rt.retryDelay(),
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

function taskStates(shape: MachineShape): Record<string, object> {
  const names = shape.tasks.map((t) => t.name);
  const states: Record<string, object> = {
    idle: {
      on: {
        run: names.map((name) => ({
          guard: ({ event }: { event: LifecycleEvent }) =>
            event.type === 'run' && event.task === name,
          target: name,
        })),
      },
    },
  };
  const activity = `#${ROOT}.started.activity`;
  for (const task of shape.tasks) {
    const gate = and([
      not(stateIn(`#${ROOT}.started.run.paused`)),
      or(task.allowedIn.map((h) => stateIn(`#${ROOT}.started.run.running.${h}`))),
    ]);
    const input = ({ context }: { context: { rt: LifecycleRuntime } }) => ({
      rt: context.rt,
      task: task.name,
    });
    states[task.name] = {
      initial: 'waiting',
      states: {
        waiting: { always: { guard: gate, target: 'running' } },
        running: {
          invoke: {
            src: 'task',
            id: 'task',
            input,
            onDone: [
              {
                guard: ({ event }: { event: { output: string } }) => event.output === RETRY,
                target: 'retrying',
              },
              ...names.map((next) => ({
                guard: ({ event }: { event: { output: string } }) => event.output === next,
                target: `${activity}.${next}`,
                reenter: true,
              })),
              { target: `${activity}.idle` },
            ],
            onError: toCrashed,
          },
        },
        retrying: { after: { retryDelay: 'waiting' } },
      },
    };
  }
  return states;
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
        type: 'parallel',
        entry: 'settledStarted',
        ...(shape.healthCheck ? { invoke: { src: 'healthProbe', id: 'health', input: rt } } : {}),
        states: {
          run: {
            initial: 'running',
            states: {
              running: {
                initial: 'healthy',
                states: { healthy: {}, degraded: {}, unhealthy: {}, hist: { type: 'history' } },
                on: {
                  pause: 'paused',
                  health: [health('healthy'), health('degraded'), health('unhealthy')],
                },
              },
              paused: { on: { resume: 'running.hist' } },
            },
          },
          activity: { initial: shape.initialTask ?? 'idle', states: taskStates(shape) },
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
  // The config is assembled from the definition's tasks, so XState cannot infer its
  // literal types; the implementations above are typed through `setup`.
  return create(config as never);
}
