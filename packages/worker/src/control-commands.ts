/**
 * The remote-control commands a celeriac worker answers, with Celery 5.2's reply shapes
 * (`celery/worker/control.py`): inspect ping/active/reserved/scheduled/revoked/registered/
 * stats/query_task/active_queues/clock, and control revoke/terminate/rate_limit/
 * time_limit/enable_events/disable_events/heartbeat/shutdown.
 */
import { errorReply, okReply } from '@celeriac/protocol';
import type { ActorPool } from './actor-pool.js';
import type { TaskConsumer } from './consumer.js';
import type { Dispatcher } from './dispatcher.js';
import type { EventDispatcher } from './event-dispatcher.js';
import { parseRateLimit } from './rate-limit.js';
import { revokeTask } from './revoke.js';
import type { WorkerRuntime } from './runtime.js';
import { requestInfo, type TaskRequest } from './task-request.js';
import type { ResolvedWorkerOptions } from './worker-options.js';

/** What commands can reach. */
export interface ControlScope {
  rt: WorkerRuntime;
  dispatcher: Dispatcher;
  pool: ActorPool;
  consumer: TaskConsumer;
  events: EventDispatcher | null;
  options: ResolvedWorkerOptions;
  onShutdown: () => void;
}

/** Returned by commands that send no reply at all (`shutdown`, `hello` to oneself). */
export const NO_REPLY: unique symbol = Symbol('no reply');

/** A command: keyword arguments in, reply value out ({@link NO_REPLY}: none). */
export type ControlCommand = (scope: ControlScope, args: Record<string, unknown>) => unknown;

const ok = okReply;

function ids(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}

function infos(scope: ControlScope, requests: readonly TaskRequest[], safe: unknown) {
  return requests.map((r) =>
    requestInfo(r, scope.rt.hostname, { safe: safe === true, pid: scope.rt.pid }),
  );
}

/** The command table. Unknown names are answered `{"error": "KeyError('<name>')"}`. */
export const CONTROL_COMMANDS: Readonly<Record<string, ControlCommand>> = {
  ping: () => ok('pong'),
  active: (s, a) => infos(s, s.pool.active(), a.safe),
  reserved: (s, a) => infos(s, s.dispatcher.reserved(), a.safe),
  scheduled: (s, a) =>
    s.dispatcher.timer.scheduled().map((r) => ({
      eta: new Date(r.eta ?? 0).toISOString().replace('Z', '+00:00'),
      priority: 6,
      request: requestInfo(r, s.rt.hostname, { safe: a.safe === true, pid: s.rt.pid }),
    })),
  revoked: (s) => s.rt.revoked.values(),
  registered: (s, a) => {
    const items = Array.isArray(a.taskinfoitems) ? a.taskinfoitems.map(String) : [];
    // As Celery: builtins (`celery.*`) only when asked for with `builtins`.
    const names = s.rt.registry.names();
    const listed = a.builtins === true ? names : names.filter((n) => !n.startsWith('celery.'));
    return listed.map((name) => {
      if (!items.includes('rate_limit')) return name;
      const limit = s.rt.registry.get(name)?.options.rateLimit;
      return limit ? `${name} [rate_limit=${limit}]` : name;
    });
  },
  query_task: (s, a) => {
    const wanted = new Set(ids(a.ids));
    const out: Record<string, [string, unknown]> = {};
    for (const r of s.pool.active()) {
      if (wanted.has(r.id)) out[r.id] = ['active', requestInfo(r, s.rt.hostname)];
    }
    for (const r of [...s.dispatcher.reserved(), ...s.dispatcher.timer.scheduled()]) {
      if (wanted.has(r.id)) out[r.id] = ['reserved', requestInfo(r, s.rt.hostname)];
    }
    return out;
  },
  stats: (s) => ({
    total: Object.fromEntries(s.rt.stats.total),
    pid: s.rt.pid,
    clock: String(s.events?.clock ?? 0),
    uptime: Math.floor((s.rt.clock.now() - s.rt.stats.startedAt) / 1000),
    pool: {
      'max-concurrency': s.pool.concurrency,
      processes: [s.rt.pid],
      'max-tasks-per-child': null,
      'put-guarded-by-semaphore': false,
      timeouts: [null, null],
      implementation: 'celeriac:async',
    },
    broker: { transport: s.rt.transport.kind },
    prefetch_count: s.consumer.prefetch,
    rusage: process.resourceUsage(),
  }),
  active_queues: (s) =>
    s.options.queues.map((name) => ({
      name,
      exchange: { name, type: 'direct', durable: true, auto_delete: false },
      routing_key: name,
      durable: true,
      exclusive: false,
      auto_delete: false,
      no_ack: false,
      alias: null,
      bindings: [],
      queue_arguments: null,
      binding_arguments: null,
      consumer_arguments: null,
      no_declare: null,
      expires: null,
      message_ttl: null,
      max_length: null,
      max_length_bytes: null,
      max_priority: null,
    })),
  clock: (s) => ({ clock: s.events?.clock ?? 0 }),
  hello: (s, a) =>
    a.from_node === s.rt.hostname ? NO_REPLY : { revoked: {}, clock: s.events?.clock ?? 0 },
  revoke: (s, a) => {
    const list = ids(a.task_id);
    revokeTask(s, list, a.terminate === true);
    return ok(`tasks ${list.join(', ')} flagged as revoked`);
  },
  terminate: (s, a) => {
    const list = ids(a.task_id);
    revokeTask(s, list, true);
    return ok(`tasks ${list.join(', ')} flagged as revoked`);
  },
  rate_limit: (s, a) => {
    const name = String(a.task_name);
    const limit = (a.rate_limit ?? null) as string | number | null;
    let perMs: number | null;
    try {
      perMs = parseRateLimit(limit);
    } catch (error) {
      return errorReply(
        `Invalid rate limit string: ${error instanceof Error ? error.message : ''}`,
      );
    }
    if (!s.rt.registry.setRateLimit(name, limit)) return errorReply(`unknown task ${name}`);
    s.dispatcher.rateLimiter.setRate(name, perMs);
    return ok(
      perMs === null ? 'rate limit disabled successfully' : 'new rate limit set successfully',
    );
  },
  time_limit: (s, a) => {
    const name = String(a.task_name);
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    if (!s.rt.registry.setTimeLimits(name, num(a.hard), num(a.soft))) {
      return errorReply(`unknown task ${name}`);
    }
    return ok('time limits set successfully');
  },
  enable_events: (s) => {
    s.events?.setTaskEvents(true);
    return ok(s.events ? 'task events enabled' : 'events are not configured on this worker');
  },
  disable_events: (s) => {
    s.events?.setTaskEvents(false);
    return ok('task events disabled');
  },
  heartbeat: (s) => {
    void s.events?.heartbeat();
    return null;
  },
  shutdown: (s) => {
    s.rt.logger.warn('Got shutdown from remote');
    s.onShutdown();
    return NO_REPLY;
  },
};
