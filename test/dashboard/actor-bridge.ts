/**
 * Until celeriac workers send contract 6 themselves (`actor_tree`, `actor-transition`
 * events), this feeds a dashboard's cluster state in-process with what they will send:
 * the worker's real actor tree as an `ActorNode`, then each real transition of its
 * actor system as an `actor-transition` event, through the monitor's public API. It lets
 * the browser test check the page's drawing and live updates of a real tree; the wire
 * half is tested by the test that waits on the worker.
 */
import type { ActorRef } from '@celeriac/actors';
import type { ActorNode } from '@celeriac/client';
import type { ClusterState } from '@celeriac/monitor';
import { createEvent } from '@celeriac/protocol';
import type { Worker } from '@celeriac/worker';

function nodeOf(ref: ActorRef, all: readonly ActorRef[]): ActorNode {
  const [state = 'unknown'] = ref.state.split('.');
  return {
    id: ref.id,
    path: ref.path,
    kind: ref.definition.name,
    state,
    activity: ref.activity ?? null,
    health: ref.health ?? null,
    restarts: 0,
    children: all.filter((a) => a.parent === ref).map((child) => nodeOf(child, all)),
  };
}

/** Feed `state` with `worker`'s tree and transitions; returns the function that stops. */
export function bridgeActors(worker: Worker, state: ClusterState): () => void {
  const root = worker.tree.root;
  const system = root.system;
  state.setActorTree(worker.hostname, nodeOf(root, system.actors));
  let clock = 0;
  return system.inspect((record) => {
    if (record.type !== 'transition') return;
    const now = Date.now() / 1000;
    const event = createEvent(
      'actor-transition',
      {
        path: record.path,
        kind: system.get(record.path)?.definition.name ?? 'actor',
        from: record.from,
        to: record.to,
        fromActivity: record.fromActivity ?? null,
        toActivity: record.toActivity ?? null,
        event: record.event,
      },
      { hostname: worker.hostname, pid: process.pid, clock: ++clock, timestamp: now },
    );
    state.apply([{ ...event, local_received: now }]);
  });
}
