/**
 * @celeriac/dashboard — a live web dashboard for a Celery 5.2-compatible fleet, Python
 * and celeriac workers alike: workers (online, heartbeat age, pool, active, processed,
 * load), each celeriac worker's supervision tree with its actors' states changing live,
 * tasks (a live list filtered by state, name and worker; a task's arguments, result or
 * traceback and timeline), queues (length, consumers, in and out rates) and charts of
 * throughput and runtime percentiles. Read-only unless given control (revoke, terminate).
 * The UI is built with the package: nothing is fetched from the internet.
 *
 * @example
 * ```ts
 * import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
 * import { createClient } from '@celeriac/client';
 * import { startDashboard } from '@celeriac/dashboard';
 * import { createWorker, implementTask } from '@celeriac/worker';
 *
 * const transport = createMemoryTransport('memory://');
 * const backend = createMemoryResultBackend('memory://');
 * const worker = createWorker({
 *   transport,
 *   backend,
 *   hostname: 'demo@localhost',
 *   events: true, // Celery's -E: the dashboard sees tasks through events
 *   tasks: [implementTask('demo.add', (_ctx, a: number, b: number) => a + b)],
 * });
 * await worker.start();
 *
 * await using dashboard = await startDashboard({
 *   transport,
 *   backend,
 *   port: 5555, // Flower's; 0 for any free port
 *   auth: { basic: { username: 'admin', password: 'change me' } },
 *   control: { unsigned: true }, // enable revoke/terminate (read-only without it)
 * });
 * console.log(`open ${dashboard.url}`);
 *
 * await using client = createClient({ transport, backend });
 * await (await client.sendTask('demo.add', [2, 3])).get({ timeoutMs: 5000 });
 * console.log(dashboard.monitor.state.tasks()[0]?.state); // SUCCESS, as the page shows
 * await worker.stop();
 * ```
 *
 * @packageDocumentation
 */
export type {
  ActorNodeView,
  ActorTransitionView,
  DashboardInfo,
  LiveMessage,
  PoolInfo,
  QueueRow,
  RevokeReply,
  RunningTask,
  RuntimeView,
  StatsView,
  StoredResult,
  TaskDetail,
  TaskListQuery,
  TaskRow,
  TaskStep,
  WorkerDetail,
  WorkerRow,
} from './api-types.js';
export { TOKEN_COOKIE } from './auth.js';
export { DashboardState, startDashboard } from './dashboard.js';
export type { Dashboard } from './dashboard.js';
export type {
  BasicUser,
  DashboardAuth,
  DashboardControl,
  DashboardLogger,
  DashboardOptions,
} from './dashboard-options.js';
export { DASHBOARD_NODE_FLAGS } from './node-flags.js';
export {
  DashboardAssetsMissingError,
  DashboardErrorCode,
  DashboardListenError,
  DashboardOptionError,
} from './errors.js';
