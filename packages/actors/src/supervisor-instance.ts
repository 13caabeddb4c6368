/**
 * A live supervisor: its current children (the declared ones, then those added at run
 * time, minus those removed — OTP's `start_child`/`terminate_child`+`delete_child`, Akka's
 * spawn under a parent), the queue of their exits, and the recovery that applies the
 * strategy to them. Children are held in the supervisor's resource scope in start order,
 * so a stop, restart or crash of the supervisor stops them in reverse start order.
 */
import { ActorInstance } from './actor.js';
import type { ActorExit, StopOptions } from './actor.js';
import type { ActorRef } from './actor-ref.js';
import { backoffDelay } from './backoff.js';
import {
  ChildStartError,
  DuplicateActorIdError,
  IllegalTransitionError,
  NotASupervisorError,
  RestartIntensityError,
  UnknownChildError,
} from './errors.js';
import type { ActorDefinition } from './definition.js';
import type { Release, ResourceMap, ResourceScope } from './resource.js';
import { StopNotes } from './stop-report.js';
import type { StopReport } from './stop-report.js';
import { checkChildSpec } from './child-spec.js';
import type { ChildKind, ChildSpec } from './child-spec.js';
import type { Supervision, SupervisorChildren } from './supervisor.js';
import { sleepOn } from './task.js';
import type { TaskSpecs } from './task.js';

/** The two tasks of a supervisor's activity. */
export type SupervisorTask = 'supervising' | 'recovering';

/**
 * A spawned supervisor: an {@link ActorRef} that can also add and remove children while it
 * runs. `system.spawn(defineSupervisor(…))` returns one; {@link asSupervisor} gets one for
 * a supervisor found as another supervisor's child.
 */
export interface SupervisorRef<
  C extends readonly ChildSpec[] = readonly ChildSpec[],
> extends ActorRef<SupervisorChildren<C>, SupervisorTask> {
  /**
   * The current children, in start order: the declared ones, then those added, minus those
   * removed. Empty until the supervisor first starts.
   */
  readonly children: readonly ActorRef[];
  /**
   * Spawns a child under this supervisor (path `<supervisor>/<id>`) and starts it; resolves
   * with it once started. From then on the supervisor's strategy, intensity and backoff
   * apply to it, and it is stopped in reverse start order with the others (it started
   * last). Allowed while the supervisor is started (running or paused). Rejects with
   * {@link ActorDefinitionError} for a bad spec, {@link DuplicateActorIdError} when the id
   * is taken, {@link ChildStartError} when the child does not start (it is then not
   * added), {@link IllegalTransitionError} naming the supervisor's state otherwise.
   */
  addChild(spec: ChildSpec): Promise<ActorRef>;
  /**
   * Stops a child (bounded like `stop()`: `options.timeoutMs`, else its spec's, else its
   * definition's shutdown timeout) and forgets it: it is not restarted, its id is free
   * again, and a later restart of the supervisor does not bring it back. Resolves with
   * the child's {@link StopReport}. Rejects with {@link UnknownChildError} for an unknown
   * id. Allowed in any state.
   */
  removeChild(id: string, options?: StopOptions): Promise<StopReport>;
}

interface Entry {
  readonly spec: ChildSpec;
  child: ActorInstance | undefined;
}

interface Failure {
  readonly child: ActorInstance;
  readonly exit: ActorExit;
}

/** Whether an exit calls for a restart, by the child's kind (a supervisor stop is no exit). */
function wantsRestart(kind: ChildKind, exit: ActorExit): boolean {
  return kind === 'permanent' || (kind === 'transient' && exit.reason === 'crashed');
}

async function stopBySupervisor(child: ActorInstance, options?: StopOptions): Promise<StopReport> {
  child.stoppingBySupervisor = true;
  try {
    return await child.stop(options);
  } finally {
    child.stoppingBySupervisor = false;
  }
}

/** The implementation behind {@link SupervisorRef}. */
export class SupervisorInstance
  extends ActorInstance<Record<string, ActorRef>, SupervisorTask>
  implements SupervisorRef
{
  #entries: Entry[] | undefined;
  #queue: Failure[] = [];
  /** Times of the restarts inside the intensity window (kept across the supervisor's own restarts). */
  #restarts: number[] = [];
  #wake: (() => void) | undefined;

  get #policy(): Supervision {
    return (this.definition as unknown as { supervision: Supervision }).supervision;
  }

  get #current(): Entry[] {
    return (this.#entries ??= this.#policy.children.map((spec) => ({ spec, child: undefined })));
  }

  get children(): readonly ActorRef[] {
    const children: ActorRef[] = [];
    for (const entry of this.#current) if (entry.child !== undefined) children.push(entry.child);
    return children;
  }

  readonly #release: Release = async (value) => {
    this.noteChildStopped(await stopBySupervisor(value as ActorInstance));
  };

  #spawn(spec: ChildSpec): ActorInstance {
    return this.core.spawnLinked<ResourceMap, string>(
      spec.actor as ActorDefinition,
      {
        id: spec.id,
        parent: this,
        ...(spec.shutdownTimeoutMs === undefined
          ? {}
          : { shutdownTimeoutMs: spec.shutdownTimeoutMs }),
      },
      (exited, exit) => {
        if (this.#entryOf(exited) === undefined) return;
        this.#queue.push({ child: exited, exit });
        const wake = this.#wake;
        this.#wake = undefined;
        wake?.();
      },
    );
  }

  #entryOf(child: ActorInstance): Entry | undefined {
    return this.#current.find((e) => e.child === child);
  }

  /** Spawns (once) and starts one child, held in `scope` before it starts. */
  async #startEntry(entry: Entry, scope: ResourceScope): Promise<ActorInstance> {
    const child = (entry.child ??= this.#spawn(entry.spec));
    // Held before it starts, so a stop of the supervisor meanwhile stops it too.
    scope.hold(entry.spec.id, child, this.#release);
    try {
      await child.start();
    } catch (error) {
      if (scope.closed) throw error;
      throw new ChildStartError(this.path, entry.spec.id, error);
    }
    return child;
  }

  /** Starts the current children in order, after the declared resources (there are none). */
  override async acquireMore(scope: ResourceScope): Promise<void> {
    this.#queue.length = 0;
    for (const entry of [...this.#current]) {
      if (scope.closed) return;
      if (this.#current.includes(entry)) await this.#startEntry(entry, scope);
    }
  }

  async addChild(spec: ChildSpec): Promise<ActorRef> {
    const entries = this.#current;
    checkChildSpec(`Supervisor ${this.path}`, spec, []);
    if (entries.some((e) => e.spec.id === spec.id)) {
      throw new DuplicateActorIdError(`${this.path}/${spec.id}`);
    }
    const scope = this.resourceScope;
    if (!this.state.startsWith('started.') || scope === undefined || scope.closed) {
      throw new IllegalTransitionError(this.path, 'addChild', this.state);
    }
    const entry: Entry = { spec, child: undefined };
    entries.push(entry);
    try {
      return await this.#startEntry(entry, scope);
    } catch (error) {
      // Not added (OTP's start_child returning an error): forget it entirely.
      await this.#forget(entry, undefined).catch(() => undefined);
      throw error;
    }
  }

  async removeChild(id: string, options?: StopOptions): Promise<StopReport> {
    const entry = this.#current.find((e) => e.spec.id === id);
    if (entry === undefined) {
      throw new UnknownChildError(
        this.path,
        id,
        this.#current.map((e) => e.spec.id),
      );
    }
    return this.#forget(entry, options);
  }

  /** Takes a child out of the list, the queue and the scope, stops it and drops it. */
  async #forget(entry: Entry, options: StopOptions | undefined): Promise<StopReport> {
    const entries = this.#current;
    entries.splice(entries.indexOf(entry), 1);
    const child = entry.child;
    if (child === undefined) return new StopNotes().report(`${this.path}/${entry.spec.id}`);
    this.#queue = this.#queue.filter((f) => f.child !== child);
    this.resourceScope?.drop(entry.spec.id);
    try {
      return await stopBySupervisor(child, options);
    } finally {
      this.core.forget(child);
      child.dispose();
    }
  }

  /** The `supervising` step: resolves when a child exit is queued. */
  waitForFailure(signal: AbortSignal): Promise<void> {
    if (this.#queue.length > 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }

  #kindOf(entry: Entry): ChildKind {
    return entry.spec.kind ?? 'permanent';
  }

  /** The `recovering` step: applies the strategy to each queued exit, in order. */
  async recover(signal: AbortSignal): Promise<void> {
    const { strategy, intensity, backoff } = this.#policy;
    const core = this.core;
    for (let failure = this.#queue.shift(); failure !== undefined; failure = this.#queue.shift()) {
      const { child, exit } = failure;
      const entry = this.#entryOf(child);
      if (entry === undefined || !wantsRestart(this.#kindOf(entry), exit)) continue;
      const now = core.clock.now();
      const recent = this.#restarts.filter((t) => t > now - intensity.withinMs);
      recent.push(now);
      this.#restarts = recent;
      if (recent.length > intensity.maxRestarts) {
        throw new RestartIntensityError(this.path, intensity, exit.error ?? 'stopped');
      }
      await sleepOn(core.clock, backoffDelay(backoff, recent.length - 1, core.random, 0.2), signal);
      const current = this.#current.filter((e) => e.child !== undefined);
      const at = current.indexOf(entry);
      if (at < 0) continue;
      const affected =
        strategy === 'one-for-one'
          ? [entry]
          : strategy === 'one-for-all'
            ? current
            : current.slice(at);
      for (const sibling of [...affected].reverse()) {
        if (sibling !== entry && sibling.child !== undefined) await stopBySupervisor(sibling.child);
      }
      for (const each of affected) {
        if (signal.aborted) return;
        const restarting = each.child;
        if (restarting === undefined || !this.#current.includes(each)) continue;
        if (each !== entry && this.#kindOf(each) === 'temporary') continue;
        try {
          await (restarting.state === 'crashed' ? restarting.restart() : restarting.start());
        } catch (error) {
          if (this.#current.includes(each)) {
            this.#queue.push({ child: restarting, exit: { reason: 'crashed', error } });
          }
        }
      }
    }
  }
}

/** The activity of every supervisor: wait for an exit, recover, wait again. */
export const supervisorTasks: TaskSpecs<Record<never, never>, SupervisorTask> = {
  supervising: {
    run: async ({ actor, signal, next }) => {
      await (actor as unknown as SupervisorInstance).waitForFailure(signal);
      return next('recovering');
    },
  },
  recovering: {
    run: async ({ actor, signal, next }) => {
      await (actor as unknown as SupervisorInstance).recover(signal);
      return next('supervising');
    },
  },
};

/**
 * The {@link SupervisorRef} of an actor known to be a supervisor — for example one found
 * as another supervisor's child (`asSupervisor(worker.resources.pool)`). Throws
 * {@link NotASupervisorError} when `ref` was not defined with `defineSupervisor`.
 */
export function asSupervisor(ref: ActorRef): SupervisorRef {
  if (ref instanceof SupervisorInstance) return ref;
  throw new NotASupervisorError(ref.path, ref.definition.name);
}
