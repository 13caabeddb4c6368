/**
 * A celeriac worker's supervision tree, drawn as a tree: each actor's lifecycle state,
 * health, current activity and restarts; an actor that changed in the last seconds is
 * highlighted. The data attributes (`data-path`, `data-state`, `data-health`) are what
 * tests and scripts read.
 */
import type { ActorNodeView } from '../../src/api-types.js';
import { healthTone } from '../badge.js';
import { age } from '../format.js';

/** What a node's colour says: crashed / restarting / stopped / paused, else its health. */
function condition(node: ActorNodeView): string | null {
  if (node.state !== 'started') return node.state;
  // A paused actor has no health (the tree may still hold the one before the pause).
  if (node.lastState?.split('.').includes('paused')) return 'paused';
  return node.health ?? 'started';
}

function ActorBox({ node, now }: { node: ActorNodeView; now: number }) {
  const shown = condition(node);
  const recent = node.changedAt !== null && now - node.changedAt < 3;
  return (
    <div
      class={`actor ${healthTone(shown)}${recent ? ' recent' : ''}`}
      data-path={node.path}
      data-state={node.state}
      data-health={node.health ?? ''}
      data-condition={shown ?? ''}
      title={node.path}
    >
      <div class="actor-head">
        <b>{node.id}</b>
        <span class="muted">{node.kind}</span>
      </div>
      <div class="actor-state" data-testid="actor-condition">
        {shown}
        {node.activity && node.activity !== 'idle' ? ` · ${node.activity}` : ''}
      </div>
      <div class="actor-meta">
        {node.restarts > 0 && (
          <span class="restarts" data-testid="restarts">
            ↻ {node.restarts}
          </span>
        )}
        {node.changedAt !== null && <span class="muted">{age(now - node.changedAt)} ago</span>}
      </div>
    </div>
  );
}

function Branch({ node, now }: { node: ActorNodeView; now: number }) {
  return (
    <li>
      <ActorBox node={node} now={now} />
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <Branch key={child.path} node={child} now={now} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function ActorTree({
  root,
  now,
  stale,
}: {
  root: ActorNodeView;
  now: number;
  stale: boolean;
}) {
  return (
    <div class={`tree-wrap${stale ? ' stale' : ''}`} data-testid="actor-tree">
      {stale && (
        <p class="badge warn" data-testid="tree-stale">
          worker offline: the tree shows its last known state
        </p>
      )}
      <ul class="tree">
        <Branch node={root} now={now} />
      </ul>
    </div>
  );
}
