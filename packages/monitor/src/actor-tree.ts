/**
 * A celeriac worker's supervision tree in the monitor (contract 6): fetched whole with
 * the `actor_tree` inspect command, then kept current by `actor-transition` events
 * (fields `path`, `kind`, `from`, `to`, `fromActivity`, `toActivity`, `event`,
 * `reason?`). Python workers send neither; their tree stays null.
 */
import type { ActorNode } from '@celeriac/client';
import type { ReceivedEvent } from './event-receiver.js';

/** The `actor-transition` event type. */
export const ACTOR_TRANSITION = 'actor-transition';

/** One state change of one actor, as the monitor keeps it. */
export interface ActorTransition {
  /** The actor's path, e.g. `worker/pool/executor-3`. */
  readonly path: string;
  readonly kind: string;
  readonly from: string | null;
  readonly to: string;
  readonly fromActivity: string | null;
  readonly toActivity: string | null;
  /** The trigger (`start`, `crash`, `reportHealth`, …). */
  readonly event: string | null;
  /** Why, when the worker says (an error message for a crash). */
  readonly reason: string | null;
  /** When the worker sent it and when it arrived (unix seconds). */
  readonly timestamp: number;
  readonly localReceived: number;
}

/** Health values an actor's `run` region can be in. */
const HEALTH = new Set(['healthy', 'degraded', 'unhealthy']);

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The transition an `actor-transition` event describes; null when it is malformed. */
export function actorTransitionOf(event: ReceivedEvent): ActorTransition | null {
  const e = event as Record<string, unknown>;
  const path = text(e['path']);
  const to = text(e['to']);
  if (path === null || path === '' || to === null) return null;
  return {
    path,
    kind: text(e['kind']) ?? 'actor',
    from: text(e['from']),
    to,
    fromActivity: text(e['fromActivity']),
    toActivity: text(e['toActivity']),
    event: text(e['event']),
    reason: text(e['reason']),
    timestamp: typeof event.timestamp === 'number' ? event.timestamp : event.local_received,
    localReceived: event.local_received,
  };
}

function find(node: ActorNode, path: string): ActorNode | undefined {
  if (node.path === path) return node;
  if (!path.startsWith(`${node.path}/`)) return undefined;
  for (const child of node.children) {
    const found = find(child, path);
    if (found) return found;
  }
  return undefined;
}

/**
 * Apply `t` to the tree rooted at `root` (changed in place). A state value may be a
 * dotted statechart path (`started.running.degraded`): its health segment sets `health`,
 * its first segment `state`. An actor not in the tree yet is added under its parent
 * path when that is known. Returns whether the tree changed.
 */
export function applyActorTransition(root: ActorNode | null, t: ActorTransition): boolean {
  if (root === null) return false;
  let node = find(root, t.path);
  if (!node) {
    const cut = t.path.lastIndexOf('/');
    const parent = cut > 0 ? find(root, t.path.slice(0, cut)) : undefined;
    if (!parent) return false;
    node = {
      id: t.path.slice(cut + 1),
      path: t.path,
      kind: t.kind,
      state: t.from ?? 'initializing',
      activity: null,
      health: null,
      restarts: 0,
      children: [],
    };
    parent.children.push(node);
  }
  const segments = t.to.split('.');
  const health = segments.find((s) => HEALTH.has(s));
  const state = segments[0]!;
  if (HEALTH.has(state)) {
    node.health = state;
    node.state = 'started';
  } else {
    node.state = state;
    node.health = health ?? (state === 'started' ? node.health : null);
  }
  if (t.toActivity !== null) node.activity = t.toActivity;
  if (state === 'restarting' && t.from !== 'restarting') node.restarts += 1;
  return true;
}
