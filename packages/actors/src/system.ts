/**
 * The actor system: ids and tree paths, the injected clock, the inspection stream, the
 * telemetry, and where errors nobody handles end up.
 */
import type { TracerProvider } from '@opentelemetry/api';
import { ActorInstance } from './actor.js';
import type { ExitListener } from './actor.js';
import type { ActorRef } from './actor-ref.js';
import type { RandomSource } from './backoff.js';
import { realClock } from './clock.js';
import type { Clock } from './clock.js';
import type { ChildSpec } from './child-spec.js';
import type { ActorDefinition } from './definition.js';
import { DuplicateActorIdError } from './errors.js';
import type { InspectionListener, InspectionRecord } from './inspection.js';
import type { ResourceMap } from './resource.js';
import type { TaskInputs } from './task.js';
import { isSupervisorDefinition } from './supervisor.js';
import type { SupervisorDefinition } from './supervisor.js';
import { SupervisorInstance } from './supervisor-instance.js';
import type { SupervisorRef } from './supervisor-instance.js';
import { ActorTelemetry } from './telemetry.js';

/** Options of {@link createActorSystem}. */
export interface ActorSystemOptions {
  /** Source of time and timers. Default: the real clock. Tests pass a `SimulatedClock`. */
  readonly clock?: Clock;
  /** Source of randomness for backoff jitter. Default `Math.random`; see `seededRandom`. */
  readonly random?: RandomSource;
  /** Where spans go. Default: the global provider of `@opentelemetry/api`. */
  readonly tracerProvider?: TracerProvider;
  /**
   * Receives errors nobody handled: a crash of an actor with no supervisor and no pending
   * `start()`/`restart()`, a hook that threw where the actor cannot crash. Default: rethrow
   * asynchronously, so the process reports it (like XState's `reportUnhandledError`).
   */
  readonly onUnhandledError?: (error: unknown, actor: ActorRef) => void;
}

/** Options of {@link ActorSystem.spawn}. */
export interface SpawnOptions {
  /** Id among its siblings. Default: `<definition name>-<n>`. */
  readonly id?: string;
  /** Parent in the tree; the path is the parent's path plus the id. */
  readonly parent?: ActorRef;
  /** Actors to start before this one and to stop after it (when no one else needs them). */
  readonly dependencies?: readonly ActorRef[];
  /** Overrides the definition's `shutdownTimeoutMs` for this actor. */
  readonly shutdownTimeoutMs?: number;
}

/** A tree of actors sharing a clock, an inspection stream and a tracer. */
export interface ActorSystem extends AsyncDisposable {
  /** The injected clock. */
  readonly clock: Clock;
  /**
   * Creates an actor in `initializing`; call `start()` on it. A supervisor's definition
   * gives a {@link SupervisorRef}, which can add and remove children at run time.
   */
  spawn<C extends readonly ChildSpec[]>(
    definition: SupervisorDefinition<C>,
    options?: SpawnOptions,
  ): SupervisorRef<C>;
  spawn<R extends ResourceMap, T extends string, I extends TaskInputs<T>>(
    definition: ActorDefinition<R, T, I>,
    options?: SpawnOptions,
  ): ActorRef<R, T, I>;
  /** The actor at a tree path, if it lives. */
  get(path: string): ActorRef | undefined;
  /** Every live actor, in spawn order. */
  readonly actors: readonly ActorRef[];
  /**
   * Subscribes to every transition and error of every actor, synchronously. Returns the
   * unsubscribe function.
   */
  inspect(listener: InspectionListener): () => void;
  /** Stops every actor, top-level ones in reverse spawn order; idempotent. */
  close(): Promise<void>;
}

/** The system as actors see it. */
export class SystemCore implements ActorSystem {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly telemetry: ActorTelemetry;
  readonly #onUnhandled: (error: unknown, actor: ActorRef) => void;
  readonly #byPath = new Map<string, ActorInstance>();
  readonly #listeners = new Set<InspectionListener>();
  #counter = 0;
  #closing: Promise<void> | undefined;

  constructor(options: ActorSystemOptions) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.telemetry = new ActorTelemetry(options.tracerProvider);
    this.#onUnhandled =
      options.onUnhandledError ??
      ((error) => {
        queueMicrotask(() => {
          throw error;
        });
      });
  }

  /** Whether anyone listens to the inspection stream. */
  get inspected(): boolean {
    return this.#listeners.size > 0;
  }

  get actors(): readonly ActorRef[] {
    return [...this.#byPath.values()];
  }

  spawn<C extends readonly ChildSpec[]>(
    definition: SupervisorDefinition<C>,
    options?: SpawnOptions,
  ): SupervisorRef<C>;
  spawn<R extends ResourceMap, T extends string, I extends TaskInputs<T>>(
    definition: ActorDefinition<R, T, I>,
    options?: SpawnOptions,
  ): ActorRef<R, T, I>;
  spawn(definition: ActorDefinition, options?: SpawnOptions): ActorRef {
    return this.spawnLinked(definition, options, undefined);
  }

  /** Spawns, telling `link` of every exit (supervisors use this). */
  spawnLinked<R extends ResourceMap, T extends string>(
    definition: ActorDefinition<R, T>,
    options: SpawnOptions | undefined,
    link: ExitListener | undefined,
  ): ActorInstance<R, T> {
    const id = options?.id ?? `${definition.name}-${++this.#counter}`;
    const parent = options?.parent as ActorInstance | undefined;
    const path = `${parent?.path ?? ''}/${id}`;
    if (this.#byPath.has(path)) throw new DuplicateActorIdError(path);
    const deps = (options?.dependencies ?? []) as readonly ActorInstance[];
    const Kind = isSupervisorDefinition(definition) ? SupervisorInstance : ActorInstance;
    const actor = new Kind(
      this,
      definition as never,
      id,
      path,
      parent,
      deps,
      link,
      options?.shutdownTimeoutMs,
    );
    this.#byPath.set(path, actor);
    return actor as unknown as ActorInstance<R, T>;
  }

  /** Forgets an actor (supervisors drop temporary children this way). */
  forget(actor: ActorInstance): void {
    if (this.#byPath.get(actor.path) === actor) this.#byPath.delete(actor.path);
  }

  get(path: string): ActorRef | undefined {
    return this.#byPath.get(path);
  }

  inspect(listener: InspectionListener): () => void {
    this.#listeners.add(listener);
    for (const actor of this.#byPath.values()) actor.observe();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Sends a record to every listener; a listener that throws is reported, not fatal. */
  emit(record: InspectionRecord, actor: ActorRef): void {
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch (error) {
        this.unhandled(error, actor);
      }
    }
  }

  /** Hands an error nobody handled to `onUnhandledError`. */
  unhandled(error: unknown, actor: ActorRef): void {
    this.#onUnhandled(error, actor);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const all = [...this.#byPath.values()];
      const errors: unknown[] = [];
      const stop = async (actor: ActorInstance): Promise<void> => {
        await actor.stop().catch((error: unknown) => void errors.push(error));
      };
      for (const actor of all.filter((a) => a.parent === undefined).reverse()) await stop(actor);
      for (const actor of all.reverse()) await stop(actor);
      for (const actor of all) actor.dispose();
      this.#byPath.clear();
      if (errors.length > 0) throw new AggregateError(errors, 'Some actors failed to stop');
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates an actor system.
 *
 * @example
 * ```ts
 * await using system = createActorSystem({ clock: new SimulatedClock() });
 * const actor = system.spawn(defineActor({ name: 'noop' }), { id: 'a' });
 * await actor.start();
 * ```
 */
export function createActorSystem(options: ActorSystemOptions = {}): ActorSystem {
  return new SystemCore(options);
}
