/**
 * The control client against a Python Celery 5.2 worker and a celeriac worker side by
 * side, on Redis and on RabbitMQ: every inspect command and every control command gets
 * an answer from both, in the shape Python gives (`reply-shapes.ts`). What the celeriac
 * worker does not answer yet (its engineer's part) must be Celery's `KeyError` reply, not
 * another shape; `shutdown` stops both.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, createControl, isErrorReply, type Control } from '@celeriac/client';
import { waitFor } from '@celeriac/testing';
import { INSPECT_SHAPES, commandReply, unknownCommand } from './reply-shapes.js';
import {
  killPythonChildren,
  rabbitCase,
  REDIS_URL,
  redisCase,
  shortId,
  startCeleriacWorker,
  startPythonWorker,
  type BrokerCase,
} from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Commands a celeriac worker may not answer yet: their reply is Celery's KeyError. */
const CELERIAC_MAY_LACK = new Set(['conf', 'report', 'actor_tree']);

/** Wire name of an inspect method. */
const WIRE: Record<keyof typeof INSPECT_SHAPES, string> = {
  ping: 'ping',
  stats: 'stats',
  active: 'active',
  reserved: 'reserved',
  scheduled: 'scheduled',
  registered: 'registered',
  activeQueues: 'active_queues',
  revoked: 'revoked',
  queryTask: 'query_task',
  conf: 'conf',
  report: 'report',
  clock: 'clock',
  actorTree: 'actor_tree',
};

/** A Python and a celeriac worker on `broker`, each on a queue of its own, and a control client. */
async function fleet(broker: BrokerCase) {
  const id = shortId();
  const py = { queue: `mon-py-${id}`, node: `py-${id}@test` };
  const ts = { queue: `mon-ts-${id}`, node: `ts-${id}@test` };
  // `extra-…` is the queue add_consumer makes the workers declare.
  cleanups.push(() => broker.cleanup([py.queue, ts.queue, `extra-${py.queue}`]));
  // Event dispatchers on, task events off: enable_events has something to turn on.
  const python = await startPythonWorker(broker, {
    queue: py.queue,
    nodename: py.node,
    heartbeat: 5,
    pool: 'prefork', // the pool that grows and shrinks
  });
  const celeriac = await startCeleriacWorker(broker, {
    queue: ts.queue,
    hostname: ts.node,
    events: { taskEvents: false, heartbeatIntervalMs: 5000 },
  });
  cleanups.push(async () => {
    await python.kill();
    await celeriac.stop();
  });
  const control = createControl({ transport: broker.transport(), ownTransport: true });
  cleanups.push(() => control.close());
  const client = createClient({ transport: broker.transport(), ownTransport: true });
  cleanups.push(() => client.close());
  return { py, ts, python, celeriac, control, client, nodes: [py.node, ts.node] };
}

/** Busy workers: 3 sleeps each (2 run, 1 waits) and one task held for its countdown. */
async function loadWork(f: Awaited<ReturnType<typeof fleet>>) {
  const ids: Record<string, { sleeping: string[]; held: string }> = {};
  for (const { queue, node } of [f.py, f.ts]) {
    const sleeping: string[] = [];
    for (let i = 0; i < 3; i++) {
      sleeping.push((await f.client.sendTask('mon.sleep', [4], {}, { queue })).id);
    }
    const held = (await f.client.sendTask('mon.add', [1, 2], {}, { queue, countdown: 60 })).id;
    ids[node] = { sleeping, held };
  }
  const inspect = f.control.inspect({ destination: f.nodes, timeoutMs: 3000 });
  await waitFor(
    async () => {
      const active = await inspect.active();
      return f.nodes.every((n) => Array.isArray(active[n]) && active[n].length === 2);
    },
    { timeoutMs: 15_000, description: 'two tasks active on each worker' },
  );
  return ids;
}

async function expectEveryInspectCommand(broker: BrokerCase): Promise<void> {
  const f = await fleet(broker);
  const ids = await loadWork(f);
  const inspect = f.control.inspect({ destination: f.nodes, timeoutMs: 3000 });
  const allIds = Object.values(ids).flatMap((x) => [...x.sleeping, x.held]);
  const calls: Record<keyof typeof INSPECT_SHAPES, () => Promise<Record<string, unknown>>> = {
    ping: () => inspect.ping(),
    stats: () => inspect.stats(),
    active: () => inspect.active(),
    reserved: () => inspect.reserved(),
    scheduled: () => inspect.scheduled(),
    registered: () => inspect.registered(),
    activeQueues: () => inspect.activeQueues(),
    revoked: () => inspect.revoked(),
    queryTask: () => inspect.queryTask(...allIds),
    conf: () => inspect.conf(),
    report: () => inspect.report(),
    clock: () => inspect.clock(),
    actorTree: () => inspect.actorTree(),
  };
  const replies: Record<string, Record<string, unknown>> = {};
  for (const [method, call] of Object.entries(calls) as [
    keyof typeof calls,
    () => Promise<Record<string, unknown>>,
  ][]) {
    const got = await call();
    replies[method] = got;
    expect(Object.keys(got).sort(), `${method}: both workers answer`).toEqual([...f.nodes].sort());
    const shape = INSPECT_SHAPES[method];
    const wire = WIRE[method];
    const python = got[f.py.node];
    if (wire === 'actor_tree') expect(python).toEqual(unknownCommand(wire));
    else expect(shape.safeParse(python).error, `python ${wire}`).toBeUndefined();
    const celeriac = got[f.ts.node];
    if (CELERIAC_MAY_LACK.has(wire) && isErrorReply(celeriac)) {
      expect(celeriac).toEqual(unknownCommand(wire));
    } else {
      expect(shape.safeParse(celeriac).error, `celeriac ${wire}`).toBeUndefined();
    }
  }
  // What the answers say, on both kinds of worker.
  for (const { node, queue } of [f.py, f.ts]) {
    const active = replies['active']![node] as { id: string; name: string }[];
    expect(active.map((r) => r.id).every((id) => ids[node]!.sleeping.includes(id))).toBe(true);
    expect((replies['reserved']![node] as unknown[]).length).toBe(1);
    const scheduled = replies['scheduled']![node] as { request: { id: string } }[];
    expect(scheduled.map((s) => s.request.id)).toEqual([ids[node]!.held]);
    expect(replies['registered']![node]).toEqual(['mon.add', 'mon.fail', 'mon.sleep']);
    expect((replies['activeQueues']![node] as { name: string }[]).map((q) => q.name)).toEqual([
      queue,
    ]);
    const query = replies['queryTask']![node] as Record<string, [string, unknown]>;
    expect(Object.keys(query)).toEqual(expect.arrayContaining(ids[node]!.sleeping.slice(0, 2)));
    expect((replies['stats']![node] as { total: object }).total).toBeDefined();
  }
  await f.control.revoke(allIds, { terminate: true, destination: f.nodes });
  if (broker.name === 'Redis') {
    // The reply queue went with the last call, as kombu removes it on Redis.
    await f.control.close();
    const redis = new Redis(REDIS_URL);
    try {
      const bindings = await redis.smembers(`${broker.prefix}_kombu.binding.reply.celery.pidbox`);
      expect(bindings.filter((b) => b.includes(f.control.oid))).toEqual([]);
      expect(await redis.exists(`${broker.prefix}${f.control.oid}.reply.celery.pidbox`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  }
}

async function expectEveryControlCommand(broker: BrokerCase): Promise<void> {
  const f = await fleet(broker);
  const options = { destination: f.nodes, timeoutMs: 3000, reply: true } as const;
  const calls: Record<string, (c: Control) => Promise<Record<string, unknown>>> = {
    rate_limit: (c) => c.rateLimit('mon.add', '5/s', options),
    time_limit: (c) => c.timeLimit('mon.add', { soft: 10, hard: 20, ...options }),
    revoke: (c) => c.revoke('never-sent-1', options),
    terminate: (c) => c.terminate('never-sent-2', options),
    enable_events: (c) => c.enableEvents(options),
    disable_events: (c) => c.disableEvents(options),
    pool_grow: (c) => c.poolGrow(1, options),
    pool_shrink: (c) => c.poolShrink(1, options),
    autoscale: (c) => c.autoscale(3, 1, options),
    add_consumer: (c) => c.addConsumer(`extra-${f.py.queue}`, options),
    cancel_consumer: (c) => c.cancelConsumer(`extra-${f.py.queue}`, options),
  };
  const answers: Record<string, Record<string, unknown>> = {};
  for (const [command, call] of Object.entries(calls)) {
    const got = await call(f.control);
    answers[command] = got;
    expect(Object.keys(got).sort(), `${command}: both workers answer`).toEqual([...f.nodes].sort());
    for (const node of f.nodes) {
      expect(commandReply.safeParse(got[node]).error, `${node} ${command}`).toBeUndefined();
    }
  }
  // Both kinds of worker agree where both implement the command.
  const same = {
    rate_limit: { ok: 'new rate limit set successfully' },
    time_limit: { ok: 'time limits set successfully' },
    revoke: { ok: 'tasks never-sent-1 flagged as revoked' },
    enable_events: { ok: 'task events enabled' },
    disable_events: { ok: 'task events disabled' },
  };
  for (const [command, reply] of Object.entries(same)) {
    expect(answers[command], command).toEqual({ [f.py.node]: reply, [f.ts.node]: reply });
  }
  expect(answers['pool_grow']![f.py.node]).toEqual({ ok: 'pool will grow' });
  expect(answers['add_consumer']![f.py.node]).toEqual({ ok: `add consumer extra-${f.py.queue}` });
  // The command needs no reply and has none; both workers go.
  expect(await f.control.heartbeat(options)).toEqual({ [f.py.node]: null, [f.ts.node]: null });
  await f.control.shutdown({ destination: f.nodes });
  await expect(f.python.exited).resolves.toBeDefined();
  await f.celeriac.finished;
  expect(await f.control.ping({ destination: f.nodes, timeoutMs: 500 })).toEqual({});
}

describe.each([
  ['Redis', redisCase],
  ['RabbitMQ', rabbitCase],
] as const)('control client → a Python and a celeriac worker (%s)', (_name, makeCase) => {
  it('every inspect command is answered by both, in Celery’s reply shapes', async () => {
    await expectEveryInspectCommand(makeCase());
  }, 90_000);

  it('every control command is answered by both; shutdown stops both', async () => {
    await expectEveryControlCommand(makeCase());
  }, 90_000);
});
