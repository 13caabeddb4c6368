/**
 * One worker: its facts, the tasks it runs now, and for a celeriac worker its actor tree
 * and last transitions, updating live. Python workers have no tree.
 */
import { useState } from 'preact/hooks';
import { postJson } from '../api.js';
import { Health, TaskState } from '../badge.js';
import { age, clock, count } from '../format.js';
import { serverNow, useLive, useTick } from '../live.js';
import { href } from '../router.js';
import { StatusBar } from '../status-bar.js';
import { ActorTree } from './actor-tree.js';

export function WorkerPage({ hostname }: { hostname: string }) {
  const live = useLive({ node: hostname });
  const [asking, setAsking] = useState(false);
  useTick();
  const now = serverNow(live);
  const detail = live.worker?.hostname === hostname ? live.worker.detail : undefined;
  if (detail === undefined) return <p class="muted">Loading {hostname}…</p>;
  if (detail === null) return <p>No worker named {hostname} seen.</p>;
  const w = detail.worker;
  const refresh = () => {
    setAsking(true);
    postJson(`api/workers/${encodeURIComponent(hostname)}/refresh`, {})
      .catch((error: unknown) => console.warn('refresh failed', error))
      .finally(() => setAsking(false));
  };
  return (
    <section>
      <h1>
        {hostname} <Health value={w.online ? 'online' : 'offline'} />
      </h1>
      <StatusBar live={live} />
      <dl class="facts">
        <dt>kind</dt>
        <dd>{w.software ?? w.kind}</dd>
        <dt>heartbeat</dt>
        <dd data-testid="heartbeat-age">
          {w.lastHeartbeat === null ? '—' : `${age(now - w.lastHeartbeat)} ago`} (every {w.freq} s)
        </dd>
        <dt>pool</dt>
        <dd>
          {w.pool
            ? `${w.pool.implementation ?? '?'}, concurrency ${w.pool.maxConcurrency ?? '?'}, prefetch ${w.pool.prefetchCount ?? '?'}`
            : '—'}
        </dd>
        <dt>active / processed</dt>
        <dd>
          {count(w.active)} / {count(w.processed)}
        </dd>
        <dt>load</dt>
        <dd>{w.loadavg ? w.loadavg.map((l) => l.toFixed(2)).join(' ') : '—'}</dd>
        <dt>queues</dt>
        <dd>{w.queues.join(', ') || '—'}</dd>
        <dt>pid</dt>
        <dd>{w.pid ?? '—'}</dd>
      </dl>
      <h2>Running now</h2>
      {detail.running.length === 0 ? (
        <p class="muted">Nothing running at the last ask.</p>
      ) : (
        <table>
          <tbody>
            {detail.running.map((t) => (
              <tr key={t.id}>
                <td>
                  <a href={href(['tasks', t.id])}>{t.id}</a>
                </td>
                <td>{t.name}</td>
                <td>
                  <TaskState state="STARTED" />
                </td>
                <td>unit {t.workerPid ?? '—'}</td>
                <td>since {clock(t.timeStart)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>
        Actor tree{' '}
        <button type="button" onClick={refresh} disabled={asking}>
          {asking ? 'asking…' : 'ask again'}
        </button>
      </h2>
      {detail.tree ? (
        <ActorTree root={detail.tree} now={now} stale={!w.online} />
      ) : (
        <p class="muted" data-testid="no-tree">
          {w.kind === 'python'
            ? 'Python Celery workers have no actor tree.'
            : 'No actor tree: the worker did not answer actor_tree.'}
        </p>
      )}
      {detail.transitions.length > 0 && (
        <>
          <h2>Last transitions</h2>
          <table data-testid="transitions">
            <tbody>
              {[...detail.transitions].reverse().map((t, i) => (
                <tr
                  key={`${t.timestamp}-${i}`}
                  data-path={t.path}
                  data-to={t.to}
                  data-at={t.timestamp}
                >
                  <td>{clock(t.timestamp)}</td>
                  <td>{t.path}</td>
                  <td>
                    {t.from ?? '∅'} → <b>{t.to}</b>
                  </td>
                  <td>{t.toActivity ?? ''}</td>
                  <td>{t.event ?? ''}</td>
                  <td class="reason">{t.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
