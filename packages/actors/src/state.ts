/**
 * The closed vocabulary of the lifecycle (STYLE.md 3): health levels, exit reasons, and
 * the readable state paths `actor.state` returns, derived from the XState state value.
 */
import type { StateValue } from 'xstate';

/** Health levels of a running actor, the substates of `started.running`. */
export const Health = {
  healthy: 'healthy',
  degraded: 'degraded',
  unhealthy: 'unhealthy',
} as const;
/** One of the values of {@link Health}. */
export type Health = (typeof Health)[keyof typeof Health];

/** Why resources are being released; passed to every `release`. */
export const ExitReason = {
  /** `stop()`: the actor is shutting down on purpose. */
  stop: 'stop',
  /** `restart()` or a supervisor restart: the actor will start again. */
  restart: 'restart',
  /** The actor crashed; the error went to its supervisor (or start(), or the system). */
  crash: 'crash',
} as const;
/** One of the values of {@link ExitReason}. */
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

/**
 * Every value `actor.state` can read: the lifecycle statechart's active path, outside the
 * `activity` region, with nested states joined by dots.
 */
export const ACTOR_STATES = [
  'initializing',
  'starting.dependencies',
  'starting.resources',
  'starting.tasks',
  'started.running.healthy',
  'started.running.degraded',
  'started.running.unhealthy',
  'started.paused',
  'stopping.tasks',
  'stopping.resources',
  'stopping.dependencies',
  'stopped',
  'crashed',
  'restarting.stopping.tasks',
  'restarting.stopping.resources',
  'restarting.starting.dependencies',
  'restarting.starting.resources',
  'restarting.starting.tasks',
] as const;
/** A lifecycle state path, one of {@link ACTOR_STATES}. */
export type ActorState = (typeof ACTOR_STATES)[number];

/**
 * The `activity` region's path while started: `idle`, or `<task>.waiting` (the task's
 * health gate is closed, or the actor is paused), `<task>.running`, `<task>.retrying`.
 * The region is interpreted by the task runner, not by XState (see `machine.ts`).
 */
export type ActivityState = 'idle' | `${string}.${'waiting' | 'running' | 'retrying'}`;

/** Dotted path of a non-parallel state value: `{ a: { b: 'c' } }` → `a.b.c`. */
function pathOf(value: StateValue): string {
  if (typeof value === 'string') return value;
  for (const key in value) {
    const child = value[key];
    return child === undefined ? key : `${key}.${pathOf(child)}`;
  }
  return '';
}

/** The lifecycle path of a machine state value, as `actor.state` reads it. */
export function lifecycleOf(value: StateValue): ActorState {
  return pathOf(value) as ActorState;
}

/**
 * Every state node a path keeps active, outermost first: `started.running.healthy` →
 * `started`, `started.running`, `started.running.healthy`. Activity nodes are prefixed
 * with `activity.` so that hooks can tell them apart.
 */
export function activeNodes(state: string, activity: string | undefined): string[] {
  const nodes: string[] = [];
  let at = state.indexOf('.');
  while (at >= 0) {
    nodes.push(state.slice(0, at));
    at = state.indexOf('.', at + 1);
  }
  nodes.push(state);
  if (activity !== undefined) {
    const prefixed = `activity.${activity}`;
    at = prefixed.indexOf('.', 'activity.'.length);
    nodes.push('activity');
    while (at >= 0) {
      nodes.push(prefixed.slice(0, at));
      at = prefixed.indexOf('.', at + 1);
    }
    nodes.push(prefixed);
  }
  return nodes;
}
