/**
 * Turns XState's inspection events of one actor, and the task runner's moves of its
 * activity region, into celeriac transition records, and hands each to the hooks, the
 * system's inspection stream and the lifetime span. Attached only to actors someone
 * observes, so an unobserved actor allocates nothing per step.
 */
import type { InspectionEvent } from 'xstate';
import type { ActorInstance } from './actor.js';
import type { ActorHooks } from './definition.js';
import { HookError } from './errors.js';
import type { TransitionRecord } from './inspection.js';
import type { LifecycleEvent } from './machine.js';
import { activeNodes, lifecycleOf } from './state.js';
import type { ActivityState, ActorState } from './state.js';

/** States in which a hook's error can crash the actor (the others surface it as unhandled). */
function canCrash(state: ActorState): boolean {
  return state.startsWith('start') || state.startsWith('restarting');
}

/**
 * Reports the transitions of one actor: XState's microsteps of the lifecycle, and the
 * task runner's moves of the activity region. Lives as long as the actor.
 */
export class TransitionObserver {
  readonly #actor: ActorInstance;
  #state: ActorState;
  #activity: ActivityState | undefined;

  constructor(actor: ActorInstance) {
    this.#actor = actor;
    this.#state = actor.state;
    this.#activity = actor.activity;
    actor.xactor.system.inspect((ev: InspectionEvent) => {
      if (ev.type !== '@xstate.microstep' || ev.actorRef !== actor.xactor) return;
      const value = (ev.snapshot as unknown as { value: Parameters<typeof lifecycleOf>[0] }).value;
      // The step's actions ran already, so the actor's activity is the one after it.
      const reason = (ev.event as { reason?: unknown }).reason;
      this.#report(
        lifecycleOf(value),
        ev.event.type,
        typeof reason === 'string' ? reason : undefined,
      );
    });
  }

  /** The activity region moved (the lifecycle state did not). */
  activityMoved(event: string): void {
    this.#report(this.#state, event);
  }

  #report(to: ActorState, event: string, reason?: string): void {
    const actor = this.#actor;
    const toActivity = actor.activity;
    if (to === this.#state && toActivity === this.#activity) return;
    const hooks = actor.definition.spec.hooks;
    // Observed once (an inspector came and went), or only by the lifetime span, which
    // records lifecycle changes, not activity moves: keep tracking, build nothing.
    if (
      hooks === undefined &&
      !actor.core.inspected &&
      (actor.span === undefined || to === this.#state)
    ) {
      this.#state = to;
      this.#activity = toActivity;
      return;
    }
    const from = this.#state;
    const fromActivity = this.#activity;
    const at = actor.core.clock.now();
    // Two literals rather than a spread of `reason`: an activity move happens twice per
    // task of an executor, and a spread copies into a slower, bigger object each time.
    const record: TransitionRecord =
      reason === undefined
        ? {
            type: 'transition',
            actorId: actor.id,
            path: actor.path,
            from,
            to,
            fromActivity,
            toActivity,
            event,
            at,
          }
        : {
            type: 'transition',
            actorId: actor.id,
            path: actor.path,
            from,
            to,
            fromActivity,
            toActivity,
            event,
            reason,
            at,
          };
    const before = hooks === undefined ? NO_NODES : activeNodes(from, fromActivity);
    this.#state = to;
    this.#activity = toActivity;
    if (hooks !== undefined) runHooks(actor, hooks, record, before);
    if (actor.core.inspected) actor.core.emit(record, actor);
    if (actor.span !== undefined) {
      actor.core.telemetry.transition(actor.span, actor.definition.name, record);
      // The lifetime ends here rather than in the `stopped` entry action, which runs
      // before this step is reported; `crashed` ends it once its resources are released.
      if (to === 'stopped') actor.trace.end('stopped');
    }
  }
}

const NO_NODES: readonly string[] = [];

function crashEvent(error: unknown): LifecycleEvent {
  return { type: 'crash', error };
}

function runHooks(
  actor: ActorInstance,
  hooks: ActorHooks,
  record: TransitionRecord,
  before: readonly string[],
): void {
  const call = (name: string, fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (error) {
      const hookError = new HookError(actor.path, name, error);
      // Deferred: the machine is mid-step; the crash is processed right after it.
      if (canCrash(record.to)) actor.xactor.send(crashEvent(hookError));
      else {
        actor.reportError(hookError);
        actor.core.unhandled(hookError, actor);
      }
      return false;
    }
  };
  const { beforeTransition, afterTransition, onEnter, onExit } = hooks;
  if (beforeTransition !== undefined && !call('beforeTransition', () => beforeTransition(record))) {
    return;
  }
  if (onExit !== undefined || onEnter !== undefined) {
    const after = activeNodes(record.to, record.toActivity);
    if (onExit !== undefined) {
      for (let i = before.length - 1; i >= 0; i--) {
        const node = before[i]!;
        if (!after.includes(node) && !call('onExit', () => onExit(node, record))) return;
      }
    }
    if (onEnter !== undefined) {
      for (const node of after) {
        if (!before.includes(node) && !call('onEnter', () => onEnter(node, record))) return;
      }
    }
  }
  if (afterTransition !== undefined) call('afterTransition', () => afterTransition(record));
}
