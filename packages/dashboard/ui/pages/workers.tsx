/** All workers, Python and celeriac: online, heartbeat age, pool, tasks, load, health. */
import type { WorkerRow } from '../../src/api-types.js';
import { Health } from '../badge.js';
import { age, count } from '../format.js';
import { serverNow, useLive, useTick } from '../live.js';
import { href } from '../router.js';
import { StatusBar } from '../status-bar.js';

function pool(row: WorkerRow): string {
  if (!row.pool) return '—';
  const name = (row.pool.implementation ?? '?').replace(/^celery\.concurrency\./, '');
  return `${name} × ${row.pool.maxConcurrency ?? '?'}`;
}

export function WorkersPage() {
  const live = useLive({ workers: '1', stats: '1' });
  useTick();
  const now = serverNow(live);
  const workers = live.workers ?? [];
  const online = workers.filter((w) => w.online).length;
  const stats = live.stats;
  return (
    <section>
      <h1>Workers</h1>
      <StatusBar live={live} />
      <div class="cards">
        <div class="card">
          <b data-testid="online-count">{online}</b> online of {workers.length}
        </div>
        <div class="card">
          <b>{count(stats?.totals['succeeded'])}</b> succeeded
        </div>
        <div class="card">
          <b>{count(stats?.totals['failed'])}</b> failed
        </div>
        <div class="card">
          <b>{count(stats?.byState['STARTED'] ?? 0)}</b> running
        </div>
      </div>
      <table data-testid="workers">
        <thead>
          <tr>
            <th>worker</th>
            <th>kind</th>
            <th>status</th>
            <th>heartbeat</th>
            <th>pool</th>
            <th>active</th>
            <th>processed</th>
            <th>ok / failed</th>
            <th>load</th>
            <th>queues</th>
            <th>actors</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr key={w.hostname} data-worker={w.hostname} class={w.online ? '' : 'offline'}>
              <td>
                <a href={href(['workers', w.hostname])}>{w.hostname}</a>
              </td>
              <td title={w.software ?? ''}>{w.kind}</td>
              <td data-testid="worker-status">
                <Health value={w.online ? 'online' : 'offline'} />
              </td>
              <td data-testid="heartbeat-age">
                {w.lastHeartbeat === null ? '—' : `${age(now - w.lastHeartbeat)} ago`}
              </td>
              <td>{pool(w)}</td>
              <td>{count(w.active)}</td>
              <td>{count(w.processed)}</td>
              <td>
                {count(w.succeeded)} / {count(w.failed)}
              </td>
              <td>{w.loadavg ? w.loadavg.map((l) => l.toFixed(2)).join(' ') : '—'}</td>
              <td>{w.queues.join(', ') || '—'}</td>
              <td>
                {w.hasActorTree ? <Health value={w.health} /> : <span class="muted">no tree</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {workers.length === 0 && (
        <p class="muted">No worker seen yet (workers need events on: -E).</p>
      )}
    </section>
  );
}
