/**
 * Supervisors are actors too (DESIGN.md "The actor"). A supervisor's children are its
 * resources — started in declaration order while it starts, stopped in reverse while it
 * stops or after it crashes — and supervising is its activity: `supervising` waits for a
 * child's exit (an event the child's crash becomes, STYLE.md 4), `recovering` applies the
 * strategy, with backoff, within the restart intensity. Exceeding the intensity crashes
 * the supervisor, so that its own parent decides (escalation).
 */
import type { ActorExit, ActorInstance } from './actor.js';
import type { ActorRef } from './actor-ref.js';
import { backoffDelay } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';
import { defineActor } from './definition.js';
import type { ActorDefinition, ActorHooks } from './definition.js';
import { RestartIntensityError } from './errors.js';
import type { ResourcePair, ResourceSpecs } from './resource.js';
import type { StopReport } from './stop-report.js';
import type { SystemCore } from './system.js';
import { sleepOn } from './task.js';

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

/** When a child is restarted. */
export const ChildKind = {
  /** Always restarted: after a crash, and after a stop its supervisor did not ask for. */
  permanent: 'permanent',
  /** Restarted only after a crash. */
  transient: 'transient',
  /** Never restarted; its exit affects no sibling. */
  temporary: 'temporary',
} as const;
/** One of the values of {@link ChildKind}. */
export type ChildKind = (typeof ChildKind)[keyof typeof ChildKind];

/** One child of a supervisor. */
export interface ChildSpec<Id extends string = string> {
  /** Id of the child; its path is the supervisor's path plus this id. */
  readonly id: Id;
  /** What the child is. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any definition fits
  readonly actor: ActorDefinition<any, any>;
  /** Default `permanent`. */
  readonly kind?: ChildKind;
  /**
   * How long stopping or restarting this child waits for its step in flight before
   * abandoning it (its resources are still released, in order), in ms. Overrides the
   * child definition's `shutdownTimeoutMs`; like OTP's child `shutdown`.
   */
  readonly shutdownTimeoutMs?: number;
}

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
  /** The children, started in this order. */
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

/** The supervisor's resources: one handle per child, by id. */
export type SupervisorChildren<C extends readonly ChildSpec[]> = {
  [S in C[number] as S['id']]: ActorRef;
};

interface Failure {
  readonly child: ActorInstance;
  readonly exit: ActorExit;
}

interface SupervisorState {
  readonly children: ActorInstance[];
  readonly queue: Failure[];
  readonly restarts: number[];
  wake: (() => void) | undefined;
}

const states = new WeakMap<ActorRef, SupervisorState>();

function stateOf(actor: ActorRef): SupervisorState {
  let state = states.get(actor);
  if (state === undefined) {
    state = { children: [], queue: [], restarts: [], wake: undefined };
    states.set(actor, state);
  }
  return state;
}

function waitForFailure(state: SupervisorState, signal: AbortSignal): Promise<void> {
  if (state.queue.length > 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    state.wake = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
  });
}

async function stopBySupervisor(child: ActorInstance): Promise<StopReport> {
  child.stoppingBySupervisor = true;
  try {
    return await child.stop();
  } finally {
    child.stoppingBySupervisor = false;
  }
}

/** Whether an exit calls for a restart, by the child's kind (a supervisor stop is no exit). */
function wantsRestart(kind: ChildKind, exit: ActorExit): boolean {
  return kind === 'permanent' || (kind === 'transient' && exit.reason === 'crashed');
}

/**
 * Declares a supervisor: an actor whose resources are its children and whose activity
 * restarts them. Spawn it like any actor; `supervisor.resources.<childId>` is the child.
 *
 * @example
 * ```ts
 * const worker = defineSupervisor({
 *   name: 'worker',
 *   strategy: 'rest-for-one',
 *   intensity: { maxRestarts: 5, withinMs: 10_000 },
 *   children: [
 *     { id: 'connection', actor: connection },
 *     { id: 'consumer', actor: consumer, kind: 'transient' },
 *   ],
 * });
 * const sup = system.spawn(worker, { id: 'worker' });
 * await sup.start(); // /worker/connection, then /worker/consumer
 * ```
 */
export function defineSupervisor<const C extends readonly ChildSpec[]>(
  spec: SupervisorSpec<C>,
): ActorDefinition<SupervisorChildren<C>, 'supervising' | 'recovering'> {
  const strategy = spec.strategy ?? Strategy.oneForOne;
  const intensity = spec.intensity ?? { maxRestarts: 3, withinMs: 5_000 };
  const backoff = spec.backoff ?? { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.2 };
  const kinds = new Map(spec.children.map((c) => [c.id, c.kind ?? ChildKind.permanent]));
  const kindOf = (child: ActorInstance): ChildKind => kinds.get(child.id) ?? 'permanent';

  const resources: Record<string, ResourcePair<ActorRef>> = {};
  for (const [index, childSpec] of spec.children.entries()) {
    resources[childSpec.id] = {
      timeoutMs: Number.POSITIVE_INFINITY,
      acquire: async ({ actor }) => {
        const state = stateOf(actor);
        let child = state.children[index];
        if (child === undefined) {
          child = (actor.system as SystemCore).spawnLinked(
            childSpec.actor,
            {
              id: childSpec.id,
              parent: actor,
              ...(childSpec.shutdownTimeoutMs === undefined
                ? {}
                : { shutdownTimeoutMs: childSpec.shutdownTimeoutMs }),
            },
            (exited, exit) => {
              state.queue.push({ child: exited, exit });
              const wake = state.wake;
              state.wake = undefined;
              wake?.();
            },
          );
          state.children[index] = child;
        }
        const started = child;
        state.queue.splice(
          0,
          state.queue.length,
          ...state.queue.filter((f) => f.child !== started),
        );
        await child.start();
        return child;
      },
      release: async (ref) => {
        const child = ref as ActorInstance;
        const report = await stopBySupervisor(child);
        child.parent?.noteChildStopped(report);
      },
    };
  }

  async function recover(supervisor: ActorRef, signal: AbortSignal): Promise<void> {
    const state = stateOf(supervisor);
    const core = supervisor.system as SystemCore;
    for (let failure = state.queue.shift(); failure !== undefined; failure = state.queue.shift()) {
      const { child, exit } = failure;
      if (!wantsRestart(kindOf(child), exit)) continue;
      const now = core.clock.now();
      const recent = state.restarts.filter((t) => t > now - intensity.withinMs);
      recent.push(now);
      state.restarts.splice(0, state.restarts.length, ...recent);
      if (recent.length > intensity.maxRestarts) {
        throw new RestartIntensityError(supervisor.path, intensity, exit.error ?? 'stopped');
      }
      await sleepOn(core.clock, backoffDelay(backoff, recent.length - 1, core.random, 0.2), signal);
      const at = state.children.indexOf(child);
      const affected =
        strategy === Strategy.oneForOne
          ? [child]
          : strategy === Strategy.oneForAll
            ? [...state.children]
            : state.children.slice(at);
      for (const sibling of [...affected].reverse()) {
        if (sibling !== child) await stopBySupervisor(sibling);
      }
      for (const each of affected) {
        if (signal.aborted) return;
        if (each !== child && kindOf(each) === 'temporary') continue;
        try {
          await (each.state === 'crashed' ? each.restart() : each.start());
        } catch (error) {
          state.queue.push({ child: each, exit: { reason: 'crashed', error } });
        }
      }
    }
  }

  return defineActor({
    name: spec.name ?? 'supervisor',
    resources: resources as unknown as ResourceSpecs<SupervisorChildren<C>>,
    tasks: {
      supervising: {
        run: async ({ actor, signal, next }) => {
          await waitForFailure(stateOf(actor), signal);
          return next('recovering');
        },
      },
      recovering: {
        run: async ({ actor, signal, next }) => {
          await recover(actor, signal);
          return next('supervising');
        },
      },
    },
    initialTask: 'supervising',
    shutdownTimeoutMs: spec.shutdownTimeoutMs ?? Number.POSITIVE_INFINITY,
    ...(spec.hooks === undefined ? {} : { hooks: spec.hooks }),
  });
}
