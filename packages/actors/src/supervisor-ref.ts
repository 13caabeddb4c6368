/**
 * The handle of a spawned supervisor: an actor handle that can also add and remove
 * children while it runs.
 */
import type { ActorRef } from './actor-ref.js';
import type { ChildSpec } from './child-spec.js';
import type { StopOptions, StopReport } from './stop-report.js';
import type { SupervisorChildren } from './supervisor.js';

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
