/**
 * The worker's supervision tree as monitors see it (`@celeriac/monitor`, the dashboard):
 * whole, as the `actor_tree` inspect command answers, then kept current by one
 * `actor-transition` event per lifecycle change of one of its actors.
 *
 * Only lifecycle changes are sent (started, restarting, degraded, crashed, stopped, …),
 * not an executor's activity going idle → executing → idle: that happens twice per task
 * and would more than double the event traffic, while task events already say which
 * task runs where.
 */
import type { ActorRef, ActorSystem, InspectionRecord } from '@celeriac/actors';

/** One actor of the tree (the shape `@celeriac/client`'s `ActorNode` reads). */
export interface ActorTreeNode {
  id: string;
  /** The actor's path, e.g. `/celeriac@host/pool/executor-3`. */
  path: string;
  /** The actor's definition name (`supervisor`, `executor`, `connection`, …). */
  kind: string;
  /** Lifecycle state's first segment: `started`, `restarting`, `stopped`, `crashed`, … */
  state: string;
  activity: string | null;
  health: string | null;
  /** Restarts its supervisor decided since the worker started. */
  restarts: number;
  children: ActorTreeNode[];
}

/** The fields of an `actor-transition` event. */
export interface ActorTransitionFields {
  path: string;
  kind: string;
  from: string;
  to: string;
  fromActivity: string | null;
  toActivity: string | null;
  event: string;
  reason: string | null;
}

/** Reads a worker's actor system for `actor_tree` and forwards its lifecycle changes. */
export class ActorWatch {
  readonly #system: ActorSystem;
  readonly #restarts = new Map<string, number>();
  readonly #unsubscribe: () => void;
  readonly #onRestart: ((path: string) => void) | undefined;

  /**
   * Watch `system`; `onTransition` gets each lifecycle change (not activity-only ones),
   * `onRestart` the path of each actor its supervisor restarts.
   */
  constructor(
    system: ActorSystem,
    onTransition?: (fields: ActorTransitionFields) => void,
    onRestart?: (path: string) => void,
  ) {
    this.#system = system;
    this.#onRestart = onRestart;
    this.#unsubscribe = system.inspect((record) => this.#record(record, onTransition));
  }

  /** The tree from its root (the worker), or null before the worker's tree is spawned. */
  tree(): ActorTreeNode | null {
    const actors = this.#system.actors;
    const root = actors.find((a) => a.parent === undefined);
    if (root === undefined) return null;
    const byParent = new Map<ActorRef, ActorRef[]>();
    for (const actor of actors) {
      if (actor.parent === undefined) continue;
      const siblings = byParent.get(actor.parent) ?? [];
      siblings.push(actor);
      byParent.set(actor.parent, siblings);
    }
    const node = (ref: ActorRef): ActorTreeNode => ({
      id: ref.id,
      path: ref.path,
      kind: ref.definition.name,
      state: ref.state.split('.')[0] ?? ref.state,
      activity: ref.activity ?? null,
      health: ref.health ?? null,
      restarts: this.#restarts.get(ref.path) ?? 0,
      children: (byParent.get(ref) ?? []).map(node),
    });
    return node(root);
  }

  /** Stop watching. */
  close(): void {
    this.#unsubscribe();
  }

  #record(record: InspectionRecord, onTransition?: (fields: ActorTransitionFields) => void) {
    if (record.type === 'decision') {
      if (record.decision !== 'restart') return;
      for (const id of record.affected) {
        const path = `${record.path}/${id}`;
        this.#restarts.set(path, (this.#restarts.get(path) ?? 0) + 1);
        this.#onRestart?.(path);
      }
      return;
    }
    if (record.type !== 'transition' || onTransition === undefined) return;
    if (record.from === record.to) return;
    onTransition({
      path: record.path,
      kind: this.#system.get(record.path)?.definition.name ?? 'actor',
      from: record.from,
      to: record.to,
      fromActivity: record.fromActivity ?? null,
      toActivity: record.toActivity ?? null,
      event: record.event,
      reason: record.reason ?? null,
    });
  }
}
