/**
 * The read-only remote-control commands (`celery inspect …`) with Celery 5.2's reply
 * shapes (`celery/worker/control.py`): ping, active, reserved, scheduled, revoked,
 * registered, stats, query_task, active_queues, clock, hello; and celeriac's `actor_tree`
 * and `subscriptions`.
 */
import { okReply } from '@celeriac/protocol';
import { requestInfo, type TaskRequest } from '../pipeline/request.js';
import { ids, NO_REPLY, type ControlCommand, type ControlScope } from './scope.js';
import { subscriptionsInfo } from './subscriptions.js';

function infos(scope: ControlScope, requests: readonly TaskRequest[], safe: unknown) {
  return requests.map((r) => requestInfo(r, scope.hostname, { safe: safe === true }));
}

/** Celery's ETA format in `inspect scheduled`: aware ISO time. */
function isoEta(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** `inspect scheduled`: held ETA requests, soonest first. */
export function scheduledInfo(scope: Pick<ControlScope, 'intake' | 'hostname'>, safe: boolean) {
  return scope.intake.timer.scheduled().map((r) => ({
    eta: isoEta(r.eta ?? 0),
    priority: 6,
    request: requestInfo(r, scope.hostname, { safe }),
  }));
}

/** The `stats` reply (Celery's `WorkController.stats`, with the pool as prefork shows it). */
function stats(s: ControlScope): Record<string, unknown> {
  const units = s.pool.units();
  const pool: Record<string, unknown> = {
    'max-concurrency': s.pool.maxConcurrency,
    processes: units.map((u) => (u.kind === 'threads' ? u.threadId : u.pid)),
    'max-tasks-per-child': s.pool.maxTasksPerChild ?? 'N/A',
    'put-guarded-by-semaphore': false,
    timeouts: [s.taskDefaults.softTimeLimit ?? 0, s.taskDefaults.timeLimit ?? 0],
    writes: writeStats(s.pool.writes(), units.filter((u) => u.busy).length),
    implementation: `celeriac:${s.pool.kind}`,
  };
  const reply: Record<string, unknown> = {
    total: Object.fromEntries(s.stats.total),
    pid: process.pid,
    clock: String(s.events?.clock ?? 0),
    uptime: Math.round((s.clock.now() - s.stats.startedAt) / 1000),
    pool,
    broker: { transport: s.transport.kind },
    prefetch_count: s.consumer.prefetch,
    rusage: process.resourceUsage(),
  };
  const autoscaler = s.pool.autoscalerInfo();
  if (autoscaler !== undefined) reply['autoscaler'] = autoscaler;
  return reply;
}

/** Tasks handed to each executor, as prefork's `human_write_stats` shows them. */
function writeStats(writes: readonly number[], active: number): Record<string, unknown> {
  const total = writes.reduce((a, b) => a + b, 0);
  const per = (v: number) => (v && total ? v / total : 0).toFixed(2);
  return {
    total,
    avg: per(total && writes.length ? total / writes.length : 0),
    all: writes.map(per).join(', '),
    raw: writes.join(', '),
    strategy: 'fair',
    inqueues: { total: writes.length, active },
  };
}

/** The inspect commands. */
export const INSPECT_COMMANDS: Readonly<Record<string, ControlCommand>> = {
  ping: () => okReply('pong'),
  active: (s, a) => infos(s, s.intake.active(), a.safe),
  reserved: (s, a) => infos(s, s.intake.reserved(), a.safe),
  scheduled: (s, a) => scheduledInfo(s, a.safe === true),
  revoked: (s) => s.revoked.values(),
  registered: (s, a) => {
    const items = Array.isArray(a.taskinfoitems) ? a.taskinfoitems.map(String) : [];
    // As Celery: builtins (`celery.*`) only when asked for with `builtins`.
    const names = s.registry.names();
    const listed = a.builtins === true ? names : names.filter((n) => !n.startsWith('celery.'));
    return listed.map((name) => {
      if (!items.includes('rate_limit')) return name;
      const limit = s.registry.get(name)?.options.rateLimit;
      return limit ? `${name} [rate_limit=${limit}]` : name;
    });
  },
  query_task: (s, a) => {
    const wanted = new Set(ids(a.ids));
    const out: Record<string, [string, unknown]> = {};
    for (const r of s.intake.active()) {
      if (wanted.has(r.id)) out[r.id] = ['active', requestInfo(r, s.hostname)];
    }
    for (const r of [...s.intake.reserved(), ...s.intake.timer.scheduled()]) {
      if (wanted.has(r.id)) out[r.id] = ['reserved', requestInfo(r, s.hostname)];
    }
    return out;
  },
  stats,
  active_queues: (s) =>
    s.consumer.queues.map((name) => ({
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
  /** celeriac's own: the supervision tree (Python workers answer KeyError). */
  actor_tree: (s) => ({ root: s.actors.tree() }),
  /** celeriac's own: the app's event and document subscriptions. */
  subscriptions: (s) => subscriptionsInfo(s),
  hello: (s, a) =>
    a.from_node === s.hostname ? NO_REPLY : { revoked: {}, clock: s.events?.clock ?? 0 },
};
