/** Watched queues: length, consumers, and in/out rates over the last minute. */
import { count, rate } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../router.js';
import { StatusBar } from '../status-bar.js';

export function QueuesPage() {
  const live = useLive({ queues: '1' });
  const queues = live.queues ?? [];
  return (
    <section>
      <h1>Queues</h1>
      <StatusBar live={live} />
      <table data-testid="queues">
        <thead>
          <tr>
            <th>queue</th>
            <th>length</th>
            <th>consumers</th>
            <th>in / s</th>
            <th>out / s</th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <tr key={q.name} data-queue={q.name}>
              <td>{q.name}</td>
              <td data-testid="queue-length" title={q.error ?? ''}>
                {q.error ? <span class="badge bad">{q.error}</span> : count(q.length)}
              </td>
              <td>
                {q.consumers.length === 0
                  ? '—'
                  : q.consumers.map((c) => (
                      <a key={c} href={href(['workers', c])}>
                        {c}{' '}
                      </a>
                    ))}
              </td>
              <td>{rate(q.inRate)}</td>
              <td>{rate(q.outRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        Out: tasks workers took from the queue (task-received events); in: out plus the queue's
        growth between length reads, over the last minute.
      </p>
    </section>
  );
}
