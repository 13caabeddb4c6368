/**
 * `defineActor`: the declaration of a kind of actor — resources, tasks, health check,
 * hooks — and its lifecycle statechart, built once per definition and shared by every
 * instance.
 */
import { ActorDefinitionError } from './errors.js';
import type { TransitionRecord } from './inspection.js';
import { buildLifecycleMachine } from './machine.js';
import type { LifecycleMachine } from './machine.js';
import type { ResourceMap, ResourceSpecs } from './resource.js';
import { Health } from './state.js';
import type { ActorState } from './state.js';
import type { TaskInputs, TaskSpecs } from './task.js';

/** The periodic health check of a started actor. */
export interface HealthCheck<R extends ResourceMap> {
  /** Time between the end of one check and the start of the next, in ms. */
  readonly intervalMs: number;
  /**
   * Reports the actor's health; a change moves `started.running.<health>`. Throwing (as
   * opposed to reporting `unhealthy`) crashes the actor. Not run while paused.
   */
  check(
    this: void,
    ctx: {
      readonly resources: Readonly<R>;
      readonly signal: AbortSignal;
    },
  ): Health | Promise<Health>;
}

/** What a hook learns about the actor it runs for. */
export interface HookContext {
  /** The actor's id. */
  readonly actorId: string;
  /** The actor's tree path. */
  readonly path: string;
}

/**
 * Lifecycle hooks, run synchronously as each XState microstep is applied, in this order:
 * `beforeTransition`, `onExit` (innermost first), `onEnter` (outermost first),
 * `afterTransition`. A hook that throws crashes the actor ({@link HookError}); one that
 * throws in a state that cannot crash (stopping, stopped) surfaces as unhandled.
 */
export interface ActorHooks {
  /** Before the enter/exit hooks of a transition. */
  readonly beforeTransition?: (transition: TransitionRecord) => void;
  /** After the enter/exit hooks of a transition. */
  readonly afterTransition?: (transition: TransitionRecord) => void;
  /** A state node became active: `started`, `started.running`, `activity.polling`, … */
  readonly onEnter?: (state: string, transition: TransitionRecord) => void;
  /** A state node stopped being active. */
  readonly onExit?: (state: string, transition: TransitionRecord) => void;
  /**
   * Every error raised in or around the actor (crash causes, release failures, hook
   * errors), before it goes to the supervisor, `start()`, or the system.
   */
  readonly onError?: (error: unknown, info: HookContext & { readonly state: ActorState }) => void;
}

/** The declaration `defineActor` takes. */
export interface ActorSpec<
  R extends ResourceMap,
  T extends string,
  I extends TaskInputs<T> = TaskInputs<T>,
> {
  /** Kind name, used in span names and as the default id prefix. */
  readonly name: string;
  /** Resources, acquired in key order while starting, released in reverse. */
  readonly resources?: ResourceSpecs<R>;
  /** Default acquire timeout per resource, in ms. Default 30,000. */
  readonly resourceTimeoutMs?: number;
  /**
   * How long a stop, restart or crash waits for the task step in flight to end after its
   * signal fired before abandoning it (its resources are released anyway), in ms.
   * Default 5,000 (OTP's default for workers); a supervisor child spec's
   * `shutdownTimeoutMs` and `stop({ timeoutMs })` override it; `Infinity` waits forever.
   */
  readonly shutdownTimeoutMs?: number;
  /** Actor tasks, each a state of the `activity` region. */
  readonly tasks?: TaskSpecs<R, T, I>;
  /** The task the activity starts in; default: `idle`. */
  readonly initialTask?: NoInfer<T>;
  /** Periodic health check while started. */
  readonly healthCheck?: HealthCheck<R>;
  /** Lifecycle hooks. */
  readonly hooks?: ActorHooks;
}

/** A defined kind of actor; pass it to `system.spawn`. Immutable, shareable. */
export interface ActorDefinition<
  R extends ResourceMap = ResourceMap,
  T extends string = string,
  I extends TaskInputs<T> = TaskInputs<T>,
> {
  /** Kind name. */
  readonly name: string;
  /** The declaration. */
  readonly spec: ActorSpec<R, T, I>;
  /** Declared task names, in declaration order. */
  readonly taskNames: readonly T[];
  /**
   * The lifecycle statechart, built once for this definition. Its phases are invoked
   * promise actors taking the runtime as input; the `activity` region is run by the
   * actor's task runner, which the machine's `enterActivity`, `exitActivity` and
   * `gateChanged` actions drive. Exposed for diagrams and benchmarks.
   */
  readonly machine: LifecycleMachine;
}

const HEALTHS = Object.values(Health);

/**
 * Declares a kind of actor.
 *
 * @example
 * ```ts
 * const poller = defineActor({
 *   name: 'feed-poller',
 *   resources: { http: { acquire: () => new HttpClient(), release: (c) => c.close() } },
 *   tasks: {
 *     polling: { run: async ({ resources, next }) => next('processing', await resources.http.get()) },
 *     processing: { run: async ({ input, next }) => (await save(input), next('polling')), allowedIn: ['healthy'] },
 *   },
 *   initialTask: 'polling',
 * });
 * ```
 */
export function defineActor<
  R extends ResourceMap = Record<never, never>,
  T extends string = never,
  I extends TaskInputs<T> = TaskInputs<T>,
>(spec: ActorSpec<R, T, I>): ActorDefinition<R, T, I> {
  const tasks = (spec.tasks ?? {}) as Record<string, { readonly allowedIn?: readonly Health[] }>;
  const taskNames = Object.keys(tasks) as T[];
  for (const name of taskNames) {
    if (name === 'idle')
      throw new ActorDefinitionError(`${spec.name}: a task may not be named "idle"`);
    if (name.includes('.'))
      throw new ActorDefinitionError(`${spec.name}: task "${name}" has a dot`);
    for (const h of tasks[name]!.allowedIn ?? []) {
      if (!HEALTHS.includes(h)) {
        throw new ActorDefinitionError(`${spec.name}: task "${name}" allowedIn unknown "${h}"`);
      }
    }
  }
  for (const key of ['shutdownTimeoutMs', 'resourceTimeoutMs'] as const) {
    const ms = spec[key];
    if (ms !== undefined && !(ms >= 0)) {
      throw new ActorDefinitionError(
        `${spec.name}: ${key} must be a number of ms >= 0 (or Infinity), got ${String(ms)}`,
      );
    }
  }
  if (spec.initialTask !== undefined && !taskNames.includes(spec.initialTask)) {
    throw new ActorDefinitionError(
      `${spec.name}: initialTask "${spec.initialTask}" is not declared`,
    );
  }
  const machine = buildLifecycleMachine({
    name: spec.name,
    healthCheck: spec.healthCheck !== undefined,
  });
  return { name: spec.name, spec, taskNames, machine };
}
