/**
 * One task: its arguments, result or traceback, retries, the timeline of its states, the
 * worker and unit that ran it, and revoke / terminate (enabled only when the dashboard
 * has control).
 */
import { useEffect, useState } from 'preact/hooks';
import type { RevokeReply, StoredResult, TaskDetail } from '../../src/api-types.js';
import { getJson, postJson } from '../api.js';
import { TaskState } from '../badge.js';
import { clock, duration } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../router.js';
import { StatusBar } from '../status-bar.js';

const FINISHED = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);

function Timeline({ task }: { task: TaskDetail }) {
  const first = task.timeline[0]?.timestamp ?? 0;
  return (
    <ol class="timeline" data-testid="timeline">
      {task.timeline.map((step, i) => (
        <li key={i} data-state={step.state}>
          <TaskState state={step.state} />
          <span>{clock(step.timestamp)}</span>
          <span class="muted">+{duration(step.timestamp - first)}</span>
          <span class="muted">{step.hostname}</span>
        </li>
      ))}
    </ol>
  );
}

function Actions({ id, allowed, state }: { id: string; allowed: boolean; state: string }) {
  const [outcome, setOutcome] = useState<string | null>(null);
  const run = (terminate: boolean) => {
    setOutcome('sending…');
    postJson<RevokeReply>(`api/tasks/${encodeURIComponent(id)}/revoke`, { terminate })
      .then((reply) => {
        const answers = Object.entries(reply.replies).map(
          ([node, r]) => `${node}: ${JSON.stringify(r)}`,
        );
        setOutcome(
          `${terminate ? 'terminate' : 'revoke'} sent; ${answers.join('; ') || 'no worker answered'}`,
        );
      })
      .catch((error: unknown) =>
        setOutcome(error instanceof Error ? error.message : String(error)),
      );
  };
  const why = allowed ? '' : 'read-only: start the dashboard with a control key to enable';
  return (
    <div class="actions">
      <button
        type="button"
        data-testid="revoke"
        disabled={!allowed || FINISHED.has(state)}
        title={why}
        onClick={() => run(false)}
      >
        Revoke
      </button>
      <button
        type="button"
        data-testid="terminate"
        class="danger"
        disabled={!allowed || FINISHED.has(state)}
        title={why}
        onClick={() => run(true)}
      >
        Terminate
      </button>
      {!allowed && <span class="muted">{why}</span>}
      {outcome && <span data-testid="action-outcome">{outcome}</span>}
    </div>
  );
}

function Stored({ id, state }: { id: string; state: string }) {
  const [stored, setStored] = useState<StoredResult | null>(null);
  useEffect(() => {
    getJson<StoredResult>(`api/tasks/${encodeURIComponent(id)}/result`)
      .then(setStored)
      .catch((error: unknown) => console.warn('no stored result', error));
  }, [id, state]);
  if (!stored) return null;
  if (stored.status === 'PENDING' && stored.result === null) {
    return <p class="muted">The result backend holds nothing for this task.</p>;
  }
  return (
    <>
      <h2>Stored result ({stored.status})</h2>
      <pre data-testid="stored-result">{JSON.stringify(stored.result, null, 2)}</pre>
    </>
  );
}

export function TaskPage({ id }: { id: string }) {
  const live = useLive({ task: id });
  const task = live.task?.id === id ? live.task.task : undefined;
  if (task === undefined) return <p class="muted">Loading {id}…</p>;
  if (task === null) {
    return (
      <section>
        <h1 class="id">{id}</h1>
        <StatusBar live={live} />
        <p>This task was not seen in the events (yet).</p>
        {live.info?.backend && <Stored id={id} state="" />}
      </section>
    );
  }
  return (
    <section>
      <h1>
        {task.name ?? 'task'} <TaskState state={task.state} />
      </h1>
      <StatusBar live={live} />
      <Actions id={id} allowed={live.info?.control ?? false} state={task.state} />
      <dl class="facts" data-testid="task-facts">
        <dt>id</dt>
        <dd class="id">{task.id}</dd>
        <dt>args</dt>
        <dd>
          <code data-testid="task-args">{task.args ?? '—'}</code>
        </dd>
        <dt>kwargs</dt>
        <dd>
          <code>{task.kwargs ?? '—'}</code>
        </dd>
        <dt>result</dt>
        <dd>
          <code data-testid="task-result">
            {task.state === 'SUCCESS' ? (task.result ?? '—') : (task.exception ?? '—')}
          </code>
        </dd>
        <dt>retries</dt>
        <dd>{task.retries ?? 0}</dd>
        <dt>worker</dt>
        <dd>{task.worker ? <a href={href(['workers', task.worker])}>{task.worker}</a> : '—'}</dd>
        <dt>executor</dt>
        <dd data-testid="task-executor">
          {task.executor ?? (task.workerPid !== null ? `unit ${task.workerPid}` : '—')}
        </dd>
        <dt>runtime</dt>
        <dd>{duration(task.runtime)}</dd>
        <dt>sent by</dt>
        <dd>{task.client ?? '—'}</dd>
        <dt>queue</dt>
        <dd>{task.queue ?? task.routingKey ?? '—'}</dd>
        <dt>eta / expires</dt>
        <dd>
          {task.eta ?? '—'} / {task.expires ?? '—'}
        </dd>
        <dt>parent / root</dt>
        <dd>
          {task.parentId ? <a href={href(['tasks', task.parentId])}>{task.parentId}</a> : '—'} /{' '}
          {task.rootId ? <a href={href(['tasks', task.rootId])}>{task.rootId}</a> : '—'}
        </dd>
        {task.children.length > 0 && (
          <>
            <dt>children</dt>
            <dd>
              {task.children.map((c) => (
                <a key={c} href={href(['tasks', c])}>
                  {c}{' '}
                </a>
              ))}
            </dd>
          </>
        )}
      </dl>
      {task.traceback && (
        <>
          <h2>Traceback</h2>
          <pre class="traceback" data-testid="traceback">
            {task.traceback}
          </pre>
        </>
      )}
      <h2>Timeline</h2>
      <Timeline task={task} />
      {live.info?.backend && <Stored id={id} state={task.state} />}
    </section>
  );
}
