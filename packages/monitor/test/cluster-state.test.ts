import { describe, expect, it } from 'vitest';
import type { ActorNode } from '@celeriac/client';
import { ClusterState, WorkerKind, type StateChange } from '@celeriac/monitor';
import { ev, received, workerEv } from './events.js';

const T = 1_800_000_000; // a fixed "now" in unix seconds

/** A state on a clock the test moves (unix seconds). */
function stateAt(start = T, options: ConstructorParameters<typeof ClusterState>[0] = {}) {
  const time = { now: start };
  const state = new ClusterState({ ...options, now: () => time.now * 1000 });
  return { state, time };
}

describe('tasks', () => {
  it('received → started → succeeded: state, fields, history, worker, counters', () => {
    const { state } = stateAt();
    state.apply([received('t1', 'w@h', T)]);
    state.apply([
      ev('task-started', 'w@h', T + 1, { uuid: 't1' }),
      ev('task-succeeded', 'w@h', T + 3, { uuid: 't1', result: '5', runtime: 2 }),
    ]);
    const task = state.task('t1')!;
    expect(task).toMatchObject({
      name: 'proj.add',
      state: 'SUCCESS',
      args: '(2, 3)',
      kwargs: '{}',
      result: '5',
      runtime: 2,
      worker: 'w@h',
      received: T,
      started: T + 1,
      succeeded: T + 3,
      timestamp: T + 3,
      rootId: 't1',
      retries: 0,
    });
    expect(task.history.map((h) => h.state)).toEqual(['RECEIVED', 'STARTED', 'SUCCESS']);
    expect(state.counters.totals).toMatchObject({ received: 1, started: 1, succeeded: 1 });
    expect(state.counters.runtimeStats('proj.add')).toMatchObject({ count: 1, p50: 2, max: 2 });
    expect(state.worker('w@h')).toMatchObject({ succeeded: 1, online: true });
    expect(state.tasksByState()).toEqual({ SUCCESS: 1 });
  });

  it('out-of-order events merge as Celery’s State: a late received fills fields, never the state', () => {
    const { state } = stateAt();
    state.apply([ev('task-succeeded', 'w@h', T + 2, { uuid: 't1', result: '5', runtime: 1 })]);
    state.apply([ev('task-started', 'w@h', T + 1, { uuid: 't1' })]);
    state.apply([received('t1', 'w@h', T, { result: 'not from received' })]);
    const task = state.task('t1')!;
    expect(task.state).toBe('SUCCESS');
    expect(task.timestamp).toBe(T + 2);
    expect(task.name).toBe('proj.add');
    expect(task.args).toBe('(2, 3)');
    expect(task.result).toBe('5');
    expect(task.history.map((h) => h.state)).toEqual(['RECEIVED', 'STARTED', 'SUCCESS']);

    // FAILURE then a late STARTED: still FAILURE; the exception stays.
    state.apply([ev('task-failed', 'w@h', T + 5, { uuid: 't2', exception: "ValueError('x')" })]);
    state.apply([ev('task-started', 'w@h', T + 4, { uuid: 't2' })]);
    expect(state.task('t2')).toMatchObject({ state: 'FAILURE', exception: "ValueError('x')" });
  });

  it('a retry always applies, then the task runs again; custom states are upper-cased', () => {
    const { state } = stateAt();
    state.apply([
      received('t1', 'w@h', T),
      ev('task-started', 'w@h', T + 1, { uuid: 't1' }),
      ev('task-retried', 'w@h', T + 2, { uuid: 't1', exception: "IOError('x')", traceback: 'tb' }),
    ]);
    expect(state.task('t1')).toMatchObject({ state: 'RETRY', traceback: 'tb' });
    state.apply([received('t1', 'w2@h', T + 3, { retries: 1 })]);
    expect(state.task('t1')).toMatchObject({ state: 'RECEIVED', retries: 1, worker: 'w2@h' });
    state.apply([ev('task-progress', 'w2@h', T + 4, { uuid: 't1' })]);
    expect(state.task('t1')!.state).toBe('PROGRESS');
  });

  it('revoked and rejected carry their flags; task-sent names the client', () => {
    const { state } = stateAt();
    state.apply([
      ev('task-sent', 'gen1@client', T, { uuid: 't1', name: 'proj.add', queue: 'celery' }),
      ev('task-revoked', 'w@h', T + 1, {
        uuid: 't1',
        terminated: true,
        signum: 15,
        expired: false,
      }),
      ev('task-rejected', 'w@h', T + 1, { uuid: 't2', requeue: true }),
    ]);
    expect(state.task('t1')).toMatchObject({
      state: 'REVOKED',
      client: 'gen1@client',
      worker: 'w@h',
      queue: 'celery',
      terminated: true,
      signum: 15,
    });
    expect(state.task('t2')).toMatchObject({ state: 'REJECTED', requeue: true });
  });

  it('keeps the most recent maxTasks; links children to parents in either order', () => {
    const { state } = stateAt(T, { maxTasks: 3 });
    state.apply([received('child', 'w@h', T, { parent_id: 'parent', root_id: 'parent' })]);
    state.apply([received('parent', 'w@h', T + 1)]);
    expect(state.task('parent')!.children).toEqual(['child']);
    state.apply([received('c2', 'w@h', T + 2, { parent_id: 'parent' })]);
    expect(state.task('parent')!.children).toEqual(['child', 'c2']);
    state.apply([received('t4', 'w@h', T + 3)]);
    expect(state.taskCount).toBe(3);
    expect(state.task('child')).toBeUndefined();
    expect(state.tasks().map((t) => t.id)).toEqual(['t4', 'c2', 'parent']);
  });

  it('lists tasks by state, name, worker and search, newest first, paged', () => {
    const { state } = stateAt();
    state.apply([
      received('a1', 'w1@h', T),
      received('a2', 'w2@h', T + 1, { name: 'proj.mul', args: '(7, 9)' }),
      received('a3', 'w1@h', T + 2),
      ev('task-succeeded', 'w1@h', T + 3, { uuid: 'a3', result: '5', runtime: 0.1 }),
    ]);
    expect(state.tasks({ state: 'RECEIVED' }).map((t) => t.id)).toEqual(['a2', 'a1']);
    expect(state.tasks({ state: ['SUCCESS', 'RECEIVED'], limit: 2 }).map((t) => t.id)).toEqual([
      'a3',
      'a2',
    ]);
    expect(state.tasks({ name: 'proj.mul' }).map((t) => t.id)).toEqual(['a2']);
    expect(state.tasks({ worker: 'w1@h', offset: 1 }).map((t) => t.id)).toEqual(['a1']);
    expect(state.tasks({ search: '7, 9' }).map((t) => t.id)).toEqual(['a2']);
    expect(state.taskNames()).toEqual(['proj.add', 'proj.mul']);
  });
});

describe('workers', () => {
  it('online by Celery’s rule: expired after 2 × freq without a heartbeat, back on the next one', () => {
    const { state, time } = stateAt();
    const changes: StateChange[] = [];
    state.subscribe((c) => changes.push(...c));
    state.apply([workerEv('worker-online', 'py@h', T)]);
    expect(state.worker('py@h')).toMatchObject({
      online: true,
      freq: 2,
      kind: WorkerKind.python,
      swVer: '5.2.6',
      loadavg: [0.5, 0.4, 0.3],
      heartbeatExpires: T + 0.01 + 4,
    });
    time.now = T + 3.9;
    expect(state.checkLiveness()).toEqual([]);
    time.now = T + 4.1;
    const expired = state.checkLiveness();
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ kind: 'worker', change: 'expired' });
    expect(state.worker('py@h')).toMatchObject({ online: false, offlineSince: T + 4.1 });
    state.apply([workerEv('worker-heartbeat', 'py@h', T + 5, { active: 2, processed: 10 })]);
    expect(state.worker('py@h')).toMatchObject({ online: true, active: 2, processed: 10 });
    expect(changes.map((c) => (c.kind === 'worker' ? c.change : c.kind))).toEqual([
      'online',
      'expired',
      'online',
    ]);
  });

  it('worker-offline ends it at once and keeps it listed; task events prove a worker alive', () => {
    const { state } = stateAt();
    state.apply([workerEv('worker-online', 'ts@h', T, { sw_ident: 'celeriac', freq: 5 })]);
    expect(state.worker('ts@h')!.kind).toBe(WorkerKind.celeriac);
    const [offline] = state.apply([workerEv('worker-offline', 'ts@h', T + 1)]);
    expect(offline).toMatchObject({ kind: 'worker', change: 'offline' });
    expect(state.workers().map((w) => [w.hostname, w.online])).toEqual([['ts@h', false]]);
    // A worker the monitor never heard a heartbeat from shows up through its task events.
    const changes = state.apply([received('t1', 'new@h', T + 2)]);
    expect(changes.map((c) => c.kind)).toEqual(['worker', 'task']);
    expect(state.worker('new@h')).toMatchObject({
      online: true,
      kind: WorkerKind.unknown,
      freq: 60,
    });
  });

  it('keeps at most maxWorkers, forgetting offline ones first', () => {
    const { state } = stateAt(T, { maxWorkers: 2 });
    state.apply([workerEv('worker-online', 'a@h', T), workerEv('worker-offline', 'a@h', T)]);
    state.apply([workerEv('worker-online', 'b@h', T), workerEv('worker-online', 'c@h', T)]);
    expect(state.workers().map((w) => w.hostname)).toEqual(['b@h', 'c@h']);
  });
});

describe('actor trees (celeriac workers)', () => {
  const tree = (): ActorNode => ({
    id: 'worker',
    path: 'worker',
    kind: 'supervisor',
    state: 'started',
    activity: null,
    health: 'healthy',
    restarts: 0,
    children: [
      {
        id: 'connection',
        path: 'worker/connection',
        kind: 'actor',
        state: 'started',
        activity: 'idle',
        health: 'healthy',
        restarts: 0,
        children: [],
      },
      {
        id: 'pool',
        path: 'worker/pool',
        kind: 'supervisor',
        state: 'started',
        activity: null,
        health: 'healthy',
        restarts: 0,
        children: [],
      },
    ],
  });
  const transition = (fields: Record<string, unknown>) =>
    ev('actor-transition', 'ts@h', T + 1, { kind: 'actor', event: 'reportHealth', ...fields });

  it('transitions update state, health, activity and restarts; new actors join their parent', () => {
    const { state } = stateAt();
    state.setActorTree('ts@h', tree());
    state.apply([transition({ path: 'worker/connection', from: 'healthy', to: 'degraded' })]);
    const connection = () => state.worker('ts@h')!.actorTree!.children[0]!;
    expect(connection()).toMatchObject({ state: 'started', health: 'degraded' });
    state.apply([
      transition({
        path: 'worker/connection',
        from: 'started',
        to: 'restarting',
        event: 'restart',
      }),
    ]);
    expect(connection()).toMatchObject({ state: 'restarting', health: null, restarts: 1 });
    state.apply([
      transition({ path: 'worker/connection', from: 'restarting', to: 'started.running.healthy' }),
    ]);
    expect(connection()).toMatchObject({ state: 'started', health: 'healthy', restarts: 1 });
    const changes = state.apply([
      transition({
        path: 'worker/pool/executor-1',
        from: 'starting',
        to: 'started',
        toActivity: 'executing',
      }),
    ]);
    expect(changes[0]).toMatchObject({ kind: 'actors', transition: { to: 'started' } });
    expect(state.worker('ts@h')!.actorTree!.children[1]!.children).toEqual([
      expect.objectContaining({ id: 'executor-1', state: 'started', activity: 'executing' }),
    ]);
    expect(state.worker('ts@h')!.actorTransitions.map((t) => t.to)).toEqual([
      'degraded',
      'restarting',
      'started.running.healthy',
      'started',
    ]);
  });

  it('a malformed transition is ignored; a Python worker has no tree', () => {
    const { state } = stateAt();
    expect(state.apply([ev('actor-transition', 'ts@h', T, { to: 'started' })])).toEqual([]);
    state.apply([workerEv('worker-online', 'py@h', T)]);
    expect(state.worker('py@h')!.actorTree).toBeNull();
  });
});

describe('subscriptions, counters, queues', () => {
  it('one call per batch; a throwing subscriber is reported and the others still run', () => {
    const warnings: string[] = [];
    const state = new ClusterState({ logger: { warn: (m) => warnings.push(m) } });
    const batches: number[] = [];
    state.subscribe(() => {
      throw new Error('bad subscriber');
    });
    state.subscribe((changes) => batches.push(changes.length));
    state.apply([received('t1', 'w@h', T), ev('task-started', 'w@h', T + 1, { uuid: 't1' })]);
    expect(batches).toEqual([3]); // the worker came online, then the two task changes
    expect(warnings).toEqual(['A cluster state subscriber threw']);
  });

  it('per-second series with zeros, rates and runtime percentiles', () => {
    const { state } = stateAt(T + 10);
    const events = [];
    for (let i = 0; i < 10; i++) {
      events.push(received(`t${i}`, 'w@h', T + 5));
      events.push(ev('task-succeeded', 'w@h', T + 6, { uuid: `t${i}`, runtime: (i + 1) / 10 }));
    }
    state.apply(events);
    const series = state.counters.series(T + 7, 4);
    expect(series.map((s) => [s.second - T, s.received, s.succeeded])).toEqual([
      [4, 0, 0],
      [5, 10, 0],
      [6, 0, 10],
      [7, 0, 0],
    ]);
    expect(state.counters.rate('succeeded', T + 7, 4)).toBe(2.5);
    expect(state.counters.runtimeStats()).toMatchObject({
      count: 10,
      p50: 0.5,
      p90: 0.9,
      p99: 1,
      max: 1,
    });
    expect(state.counters.runtimeStats('nosuch')).toMatchObject({ count: 0, p50: null });
  });

  it('queues: consumers from active_queues, lengths from polls, each a change', () => {
    const { state } = stateAt();
    const changes: StateChange[] = [];
    state.subscribe((c) => changes.push(...c));
    state.setConsumedQueues('a@h', ['celery', 'email']);
    state.setConsumedQueues('b@h', ['celery']);
    state.setConsumedQueues('a@h', ['celery']);
    state.setQueueLength('celery', 7);
    state.setQueueLength('celery', 7);
    state.setQueueLength('email', null, 'NOT_FOUND');
    expect(state.queues()).toEqual([
      { name: 'celery', length: 7, consumers: ['a@h', 'b@h'], updatedAt: T, error: null },
      { name: 'email', length: null, consumers: [], updatedAt: T, error: 'NOT_FOUND' },
    ]);
    expect(changes).toHaveLength(6);
  });
});
