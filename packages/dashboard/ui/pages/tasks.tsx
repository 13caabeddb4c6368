/** The live task list, newest first, filtered by state, name, worker and text. */
import { TaskState } from '../badge.js';
import { clock, duration } from '../format.js';
import { useLive } from '../live.js';
import { href } from '../router.js';
import { StatusBar } from '../status-bar.js';

const STATES = [
  'PENDING',
  'RECEIVED',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'RETRY',
  'REVOKED',
  'REJECTED',
];
const FILTERS = ['state', 'name', 'worker', 'search'] as const;

/** A filter's drop-down: `any`, then `options`. */
function Choice(props: {
  name: string;
  value: string;
  options: readonly string[];
  onPick: (name: string, value: string) => void;
}) {
  // A value no longer offered (a worker gone) stays selectable.
  const options =
    props.value && !props.options.includes(props.value)
      ? [props.value, ...props.options]
      : props.options;
  return (
    <label>
      {props.name}
      <select
        name={props.name}
        value={props.value}
        onChange={(e) => props.onPick(props.name, e.currentTarget.value)}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function TasksPage({ query }: { query: URLSearchParams }) {
  const filter: Record<string, string> = {};
  for (const key of FILTERS) filter[key] = query.get(key) ?? '';
  const live = useLive({ tasks: '1', workers: '1', stats: '1', ...filter, limit: '100' });
  const set = (key: string, value: string) => {
    location.hash = href(['tasks'], { ...filter, [key]: value });
  };
  const names = live.stats?.taskNames ?? [];
  const workers = live.workers ?? [];
  const rows = live.tasks?.tasks ?? [];
  return (
    <section>
      <h1>Tasks</h1>
      <StatusBar live={live} />
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Choice name="state" value={filter['state']!} options={STATES} onPick={set} />
        <Choice name="name" value={filter['name']!} options={names} onPick={set} />
        <Choice
          name="worker"
          value={filter['worker']!}
          options={workers.map((w) => w.hostname)}
          onPick={set}
        />
        <label>
          search
          <input
            name="search"
            value={filter['search']}
            placeholder="id, name, arguments"
            onChange={(e) => set('search', e.currentTarget.value)}
          />
        </label>
        <span class="muted">
          {rows.length} shown of {live.tasks?.total ?? 0} kept
        </span>
      </form>
      <table data-testid="tasks">
        <thead>
          <tr>
            <th>task</th>
            <th>name</th>
            <th>state</th>
            <th>args</th>
            <th>result</th>
            <th>worker</th>
            <th>received</th>
            <th>runtime</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id} data-task={t.id} data-state={t.state}>
              <td class="id">
                <a href={href(['tasks', t.id])}>{t.id}</a>
              </td>
              <td>{t.name ?? '—'}</td>
              <td>
                <TaskState state={t.state} />
              </td>
              <td class="clip">{t.args ?? ''}</td>
              <td class="clip">{t.result ?? ''}</td>
              <td>{t.worker ?? '—'}</td>
              <td>{clock(t.received)}</td>
              <td>{duration(t.runtime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
