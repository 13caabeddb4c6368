/**
 * The dashboard's single page: a header with the views and the connection's state, and
 * the view the hash route names. Each view opens its own live subscription.
 */
import { render } from 'preact';
import { href, useRoute } from './router.js';
import { ChartsPage } from './pages/charts.js';
import { QueuesPage } from './pages/queues.js';
import { TaskPage } from './pages/task.js';
import { TasksPage } from './pages/tasks.js';
import { WorkerPage } from './pages/worker.js';
import { WorkersPage } from './pages/workers.js';

const VIEWS = [
  ['workers', 'Workers'],
  ['tasks', 'Tasks'],
  ['queues', 'Queues'],
  ['charts', 'Charts'],
] as const;

function Page() {
  const route = useRoute();
  const [view = 'workers', id] = route.parts;
  if (view === 'workers' && id !== undefined) return <WorkerPage hostname={id} />;
  if (view === 'tasks' && id !== undefined) return <TaskPage id={id} />;
  if (view === 'tasks') return <TasksPage query={route.query} />;
  if (view === 'queues') return <QueuesPage />;
  if (view === 'charts') return <ChartsPage />;
  return <WorkersPage />;
}

function App() {
  const route = useRoute();
  const current = route.parts[0] ?? 'workers';
  return (
    <>
      <header>
        <a class="brand" href="#/workers">
          celeriac
        </a>
        <nav>
          {VIEWS.map(([view, label]) => (
            <a key={view} href={href([view])} class={current === view ? 'current' : ''}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <Page />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
