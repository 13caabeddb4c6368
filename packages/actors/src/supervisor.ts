/**
 * `defineSupervisor`: the declaration of a supervisor (DESIGN.md "The actor"). A
 * supervisor is an actor whose children are held in its resource scope — started in
 * order while it starts, stopped in reverse while it stops or after it crashes — and
 * whose activity is supervising: `supervising` waits for a child's exit (an event the
 * child's crash becomes, STYLE.md 4), `recovering` applies the strategy, with backoff,
 * within the restart intensity. Exceeding the intensity crashes the supervisor, so that
 * its own parent decides (escalation). The running part is `supervisor-instance.ts`.
 */
import type { ActorRef } from './actor-ref.js';
import type { BackoffPolicy } from './backoff.js';
import { defineActor } from './definition.js';
import type { ActorDefinition, ActorHooks } from './definition.js';
import { checkChildSpec } from './child-spec.js';
import type { ChildSpec } from './child-spec.js';
import { ActorDefinitionError } from './errors.js';
import { supervisorTasks } from './supervisor-instance.js';
import type { SupervisorTask } from './supervisor-instance.js';

/** How a supervisor reacts to one child's exit. */
export const Strategy = {
  /** Restart only the child that exited. */
  oneForOne: 'one-for-one',
  /** Stop every other child (reverse order), then restart them all (in order). */
  oneForAll: 'one-for-all',
  /** Stop the children declared after it (reverse order), then restart it and them. */
  restForOne: 'rest-for-one',
} as const;
/** One of the values of {@link Strategy}. */
export type Strategy = (typeof Strategy)[keyof typeof Strategy];

/** Restart intensity: more than `maxRestarts` restarts within `withinMs` escalates. */
export interface RestartIntensity {
  readonly maxRestarts: number;
  readonly withinMs: number;
}

/** The declaration `defineSupervisor` takes. */
export interface SupervisorSpec<C extends readonly ChildSpec[]> {
  /** Kind name. Default `supervisor`. */
  readonly name?: string;
  /** Default `one-for-one`. */
  readonly strategy?: Strategy;
  /** Default 3 restarts within 5,000 ms. */
  readonly intensity?: RestartIntensity;
  /**
   * Delay before each restart, growing with the restarts inside the intensity window.
   * Default `{ initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 }`.
   */
  readonly backoff?: BackoffPolicy;
  /**
   * The children, started in this order. Ids must be unique, non-empty and free of `/`
   * (checked here). More can be added at run time with `addChild`.
   */
  readonly children: C;
  /** Lifecycle hooks of the supervisor itself. */
  readonly hooks?: ActorHooks;
  /**
   * Bound on the supervisor's own step when it is stopped (its children are stopped with
   * theirs). Default `Infinity`, as for OTP supervisors: its step only waits on children,
   * whose stops are bounded.
   */
  readonly shutdownTimeoutMs?: number;
}

/** The supervisor's resources: one handle per declared child, by id. */
export type SupervisorChildren<C extends readonly ChildSpec[]> = {
  [S in C[number] as S['id']]: ActorRef;
};

/** How a supervisor supervises, with every default filled in. */
export interface Supervision {
  readonly strategy: Strategy;
  readonly intensity: RestartIntensity;
  readonly backoff: BackoffPolicy;
  /** The declared children, in start order. */
  readonly children: readonly ChildSpec[];
}

/**
 * A defined kind of supervisor. `system.spawn` returns a {@link SupervisorRef} for it,
 * which can add and remove children at run time.
 */
export interface SupervisorDefinition<
  C extends readonly ChildSpec[] = readonly ChildSpec[],
> extends ActorDefinition<SupervisorChildren<C>, SupervisorTask> {
  /** The supervision policy and the declared children. */
  readonly supervision: Supervision;
}

/** Whether a definition was made by {@link defineSupervisor}. */
export function isSupervisorDefinition(
  definition: ActorDefinition<never, never> | ActorDefinition,
): definition is SupervisorDefinition {
  return 'supervision' in definition;
}

/**
 * Declares a supervisor: an actor whose resources are its children and whose activity
 * restarts them. Spawn it like any actor; `system.spawn` returns a {@link SupervisorRef}
 * (`supervisor.resources.<childId>`, `children`, `addChild`, `removeChild`).
 *
 * @example
 * ```ts
 * const worker = defineSupervisor({
 *   name: 'worker',
 *   strategy: 'rest-for-one',
 *   intensity: { maxRestarts: 5, withinMs: 10_000 },
 *   children: [
 *     { id: 'connection', actor: connection },
 *     { id: 'consumer', actor: consumer, kind: 'transient', shutdownTimeoutMs: 10_000 },
 *   ],
 * });
 * const sup = system.spawn(worker, { id: 'worker' });
 * await sup.start(); // /worker/connection, then /worker/consumer
 * ```
 */
export function defineSupervisor<const C extends readonly ChildSpec[]>(
  spec: SupervisorSpec<C>,
): SupervisorDefinition<C> {
  const name = spec.name ?? 'supervisor';
  const strategy = spec.strategy ?? Strategy.oneForOne;
  if (!Object.values(Strategy).includes(strategy)) {
    throw new ActorDefinitionError(`${name}: unknown strategy "${String(strategy)}"`);
  }
  const intensity = spec.intensity ?? { maxRestarts: 3, withinMs: 5_000 };
  if (!(intensity.maxRestarts >= 0) || !(intensity.withinMs > 0)) {
    throw new ActorDefinitionError(
      `${name}: intensity needs maxRestarts >= 0 and withinMs > 0, got ${intensity.maxRestarts} within ${intensity.withinMs} ms`,
    );
  }
  const backoff = spec.backoff ?? { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 };
  const ids: string[] = [];
  for (const child of spec.children) {
    checkChildSpec(name, child, ids);
    ids.push(child.id);
  }
  const definition = defineActor({
    name,
    // Children are held in the scope as they start (see SupervisorInstance): the scope
    // exists, so `resources` reads them, and releases them in reverse.
    resources: {},
    tasks: supervisorTasks,
    initialTask: 'supervising',
    shutdownTimeoutMs: spec.shutdownTimeoutMs ?? Number.POSITIVE_INFINITY,
    ...(spec.hooks === undefined ? {} : { hooks: spec.hooks }),
  });
  const supervision: Supervision = {
    strategy,
    intensity,
    backoff,
    children: [...spec.children],
  };
  return { ...definition, supervision } as unknown as SupervisorDefinition<C>;
}
