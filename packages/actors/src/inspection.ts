/**
 * The one typed inspection stream of an actor system: every state transition of every
 * actor, and every error, in the order they happen. `telemetry.ts`, hooks and tests all
 * read the same records.
 */
import type { ActivityState, ActorState } from './state.js';

/** One state change of one actor (one XState microstep that changed its state). */
export interface TransitionRecord {
  /** Discriminant. */
  readonly type: 'transition';
  /** The actor's id (unique among its siblings). */
  readonly actorId: string;
  /** The actor's tree path, e.g. `/worker/pool/executor-3`. */
  readonly path: string;
  /** Lifecycle state before, as `actor.state` read it. */
  readonly from: ActorState;
  /** Lifecycle state after. */
  readonly to: ActorState;
  /** Activity state before (`undefined` outside `started`), as `actor.activity` read it. */
  readonly fromActivity: ActivityState | undefined;
  /** Activity state after. */
  readonly toActivity: ActivityState | undefined;
  /**
   * The event that caused the change: a trigger (`start`, `stop`, `pause`, `resume`,
   * `restart`, `health`, `run`, `crash`), XState's completion events of the phases
   * (`xstate.done.actor.resources`, `xstate.error.actor.dependencies`, …), or one of the
   * activity region's own: `task.done` (a step returned), `task.failed` (a step threw and
   * will be retried), `task.retry` (the retry backoff elapsed). A task leaving
   * `<task>.waiting` reports the event that opened its gate (`run`, `health`, `resume`, …).
   */
  readonly event: string;
  /** Why, when the trigger said: the reason of a health report or check. */
  readonly reason?: string;
  /** Time on the system's clock. */
  readonly at: number;
}

/** An error raised in or around an actor: the crash cause, or a failed release. */
export interface ErrorRecord {
  /** Discriminant. */
  readonly type: 'error';
  /** The actor's id. */
  readonly actorId: string;
  /** The actor's tree path. */
  readonly path: string;
  /** Lifecycle state when the error was raised. */
  readonly state: ActorState;
  /** The error (an {@link ActorError} for every error the runtime raises itself). */
  readonly error: unknown;
  /** Time on the system's clock. */
  readonly at: number;
}

/** A record of the inspection stream. */
export type InspectionRecord = TransitionRecord | ErrorRecord;

/** Receives inspection records, synchronously, as they happen. */
export type InspectionListener = (record: InspectionRecord) => void;
