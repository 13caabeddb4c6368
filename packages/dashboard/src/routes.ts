/**
 * The dashboard's HTTP interface (Hono): the built UI, a JSON API per view, the live
 * stream (server-sent events), and the one changing action, revoke (optionally
 * terminate), which answers 403 unless the dashboard was given control. Changing
 * requests must be JSON and same-origin, so another site cannot make a browser send one.
 */
import type { Control } from '@celeriac/client';
import type { Monitor } from '@celeriac/monitor';
import type { ResultBackend } from '@celeriac/protocol';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { DashboardInfo, RevokeReply, StoredResult, TaskListQuery } from './api-types.js';
import type { Asset } from './assets.js';
import { authMiddleware } from './auth.js';
import type { ClusterView } from './cluster-view.js';
import type { DashboardAuth, DashboardLogger } from './dashboard-options.js';
import type { LiveHub, LiveSend, LiveSubscription } from './live-hub.js';
import type { WorkerFacts } from './worker-facts.js';

/** What the routes read and act through. */
export interface RouteDeps {
  readonly view: ClusterView;
  readonly hub: LiveHub;
  readonly monitor: Monitor;
  readonly facts: WorkerFacts;
  readonly control: Control;
  readonly backend: ResultBackend | undefined;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly auth: DashboardAuth | undefined;
  readonly info: () => DashboardInfo;
  readonly logger: DashboardLogger;
  readonly now: () => number;
}

/** Seconds a revoke waits for the workers' answers. */
const REVOKE_REPLY_MS = 1500;
const SIGNAL = /^SIG[A-Z0-9]{2,10}$/;

function taskQuery(c: Context): TaskListQuery {
  const query: TaskListQuery = {};
  for (const key of ['state', 'name', 'worker', 'search'] as const) {
    const value = c.req.query(key);
    if (value !== undefined && value !== '') query[key] = value;
  }
  const limit = Number(c.req.query('limit'));
  if (Number.isInteger(limit) && limit > 0) query.limit = limit;
  return query;
}

function subscriptionOf(c: Context): LiveSubscription {
  const on = (key: string) => c.req.query(key) === '1';
  return {
    workers: on('workers'),
    queues: on('queues'),
    stats: on('stats'),
    tasks: on('tasks') ? taskQuery(c) : null,
    task: c.req.query('task') ?? null,
    worker: c.req.query('node') ?? null,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Build the app. */
export function createRoutes(deps: RouteDeps): Hono {
  const app = new Hono();
  const { view, hub, monitor, facts, control, backend, info } = deps;
  const seconds = () => deps.now() / 1000;
  const auth = authMiddleware(deps.auth);
  if (auth) app.use('*', auth);

  app.onError((error, c) => {
    deps.logger.warn('Dashboard request failed', { path: c.req.path, error: message(error) });
    return c.json({ error: message(error) }, 500);
  });

  // Changing requests: JSON, and from this origin (no cross-site form or fetch).
  app.use('/api/*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/json')) {
      return c.json({ error: 'send JSON (Content-Type: application/json)' }, 415);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && new URL(origin).host !== new URL(c.req.url).host) {
      return c.json({ error: `cross-origin request from ${origin} refused` }, 403);
    }
    return next();
  });

  app.get('/api/info', (c) => c.json(info()));
  app.get('/api/workers', (c) => c.json(view.workers()));
  app.get('/api/workers/:hostname', (c) => {
    const detail = view.worker(c.req.param('hostname'));
    return detail ? c.json(detail) : c.json({ error: 'no such worker' }, 404);
  });
  app.post('/api/workers/:hostname/refresh', async (c) => {
    const hostname = c.req.param('hostname');
    await Promise.all([monitor.refresh(hostname), facts.refresh(hostname)]);
    hub.factsChanged();
    return c.json(view.worker(hostname));
  });
  app.get('/api/tasks', (c) => c.json(view.tasks(taskQuery(c))));
  app.get('/api/tasks/:id', (c) => {
    const task = view.task(c.req.param('id'));
    return task ? c.json(task) : c.json({ error: 'no such task in the events seen' }, 404);
  });
  app.get('/api/tasks/:id/result', async (c) => {
    if (!backend) return c.json({ error: 'the dashboard has no result backend' }, 404);
    const meta = await backend.get(c.req.param('id'));
    const stored: StoredResult = {
      status: meta.status,
      result: meta.result ?? null,
      traceback: meta.traceback,
      dateDone: meta.dateDone,
    };
    return c.json(stored);
  });
  app.post('/api/tasks/:id/revoke', async (c) => {
    if (!info().control) {
      return c.json({ error: 'the dashboard is read-only (start it with a control key)' }, 403);
    }
    const id = c.req.param('id');
    let body: unknown;
    try {
      body = await c.req.json<unknown>();
    } catch {
      return c.json({ error: 'the body is not JSON' }, 400);
    }
    if (typeof body !== 'object' || body === null) {
      return c.json({ error: 'the body must be a JSON object' }, 400);
    }
    const { terminate: kill, signal: given } = body as { terminate?: unknown; signal?: unknown };
    const terminate = kill === true;
    const signal = typeof given === 'string' ? given : 'SIGTERM';
    if (!SIGNAL.test(signal)) return c.json({ error: `unknown signal ${signal}` }, 400);
    const replies = await control.revoke(id, {
      terminate,
      signal,
      reply: true,
      timeoutMs: REVOKE_REPLY_MS,
    });
    deps.logger.info(`Revoked task ${id} from the dashboard`, { terminate, signal });
    const reply: RevokeReply = { id, terminate, replies };
    return c.json(reply);
  });
  app.get('/api/queues', (c) => c.json(view.queues(seconds())));
  app.get('/api/stats', (c) => c.json(view.stats(seconds())));

  app.get('/api/stream', (c) => {
    const subscription = subscriptionOf(c);
    return streamSSE(c, async (stream) => {
      const send: LiveSend = (m) => stream.writeSSE({ event: m.type, data: JSON.stringify(m) });
      stream.onAbort(() => hub.leave(send));
      // Proxies close idle connections; a comment every 15 s keeps the stream open.
      const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n'), 15_000);
      try {
        await hub.serve(subscription, send);
      } finally {
        clearInterval(keepAlive);
      }
    });
  });

  app.get('*', (c) => {
    const path = c.req.path === '/' ? '/index.html' : c.req.path;
    const asset = deps.assets.get(path);
    if (!asset) return c.json({ error: `no such page: ${c.req.path}` }, 404);
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    return c.body(asset.body, 200, {
      'Content-Type': asset.type,
      ETag: asset.etag,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
  });
  return app;
}
