/**
 * A 3-node RabbitMQ cluster built here (private node names, ports and Erlang cookie;
 * `rabbitmqctl join_cluster`), a quorum queue declared through `defaultQueueType:
 * 'quorum'`, and 1,000 acks-late tasks published with confirms while the node holding the
 * queue's leader — and the worker's connection — is SIGKILLed mid-run. Every confirmed task
 * completes, duplicates stay within what was in flight, the same worker process keeps
 * consuming through another node of the multi-host URL, and ETA tasks held by the worker at
 * the kill run after their ETA. Prints its figures as one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  beatCoordinationQueues,
  createAmqpBeatCoordination,
  createAmqpTransport,
} from '@celeriac/amqp';
import { createMemoryResultBackend } from '@celeriac/memory';
import { ClaimOutcome, encodeTaskMessage } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitNode, makeCookieHome } from './rabbitmq-node.js';

const TASKS = 1_000;
const ETA_TASKS = 20;
/** Publishers awaiting their confirm at once. */
const WINDOW = 10;
const CONCURRENCY = 10;
const PREFETCH_MULTIPLIER = 4;
const quiet = { warn: () => undefined };
const fast = { initialDelayMs: 100, maxDelayMs: 1_000 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let home: string | undefined;
const nodes: RabbitNode[] = [];

beforeAll(async () => {
  home = await makeCookieHome();
  const cookieHome = home;
  const started = await Promise.all(
    ['qa', 'qb', 'qc'].map((name) => RabbitNode.start({ name, home: cookieHome })),
  );
  nodes.push(...started);
  const [a, b, c] = started as [RabbitNode, RabbitNode, RabbitNode];
  await b.join(a);
  await c.join(a);
  const status = await a.ctl('cluster_status', '--formatter', 'json');
  const running = (JSON.parse(status) as { running_nodes: string[] }).running_nodes;
  if (running.length !== 3) throw new Error(`cluster did not form: ${status}`);
}, 150_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.dispose()));
  if (home !== undefined) await rm(home, { recursive: true, force: true });
}, 60_000);

/** The node name of the quorum queue's leader, as the cluster reports it. */
async function leaderOf(node: RabbitNode, queue: string): Promise<string> {
  const out = await node.ctl('list_queues', 'name', 'type', 'leader', '--formatter', 'json');
  const rows = JSON.parse(out) as { name: string; type: string; leader: string }[];
  const row = rows.find((r) => r.name === queue);
  if (row === undefined) throw new Error(`queue ${queue} not listed: ${out}`);
  return row.leader;
}

describe('a 3-node RabbitMQ cluster losing the node that leads the quorum queue', () => {
  it('loses no confirmed task and keeps the same worker consuming through another node', async () => {
    const [a, b, c] = nodes as [RabbitNode, RabbitNode, RabbitNode];
    const port = (n: RabbitNode) => `127.0.0.1:${n.ports.amqp}`;
    // The worker starts on a (where it declares the queue, so a leads it); the producer on b.
    const workerUrl = `amqp://guest:guest@${port(a)}//;${port(b)};${port(c)}`;
    const producerUrl = `amqp://guest:guest@${port(b)}//;${port(c)};${port(a)}`;
    const queue = `quorum.${randomUUID()}`;
    const options = {
      reconnect: fast,
      logger: quiet,
      operationTimeoutMs: 60_000,
      defaultQueueType: 'quorum' as const,
    };
    const workerTransport = createAmqpTransport(workerUrl, {
      ...options,
      connectionName: 'worker',
    });
    const producer = createAmqpTransport(producerUrl, options);
    const backend = createMemoryResultBackend(`memory://${randomUUID()}`);
    const completions = new Map<string, number>();
    const etaRuns = new Map<string, { eta: number; ranAt: number }>();
    const etas = new Map<string, number>();
    const worker = createWorker({
      transport: workerTransport,
      backend,
      tasks: [
        implementTask(
          'cluster.record',
          async (ctx) => {
            await sleep(3);
            completions.set(ctx.taskId, (completions.get(ctx.taskId) ?? 0) + 1);
            return null;
          },
          { acksLate: true },
        ),
        implementTask(
          'cluster.eta',
          (ctx) => {
            etaRuns.set(ctx.taskId, { eta: etas.get(ctx.taskId) ?? 0, ranAt: Date.now() });
            return null;
          },
          { acksLate: true },
        ),
      ],
      queues: [queue],
      concurrency: CONCURRENCY,
      prefetchMultiplier: PREFETCH_MULTIPLIER,
      control: false,
      logger: silentLogger,
      hostname: `cluster-${randomUUID()}@local`,
    });
    const statuses: string[] = [];
    workerTransport.onStatus((e) => statuses.push(e.status));
    try {
      await worker.start();
      const leaderBefore = await leaderOf(a, queue);
      const type: unknown = JSON.parse(
        await a.ctl('list_queues', 'name', 'type', '--formatter', 'json'),
      );
      expect(type).toContainEqual({ name: queue, type: 'quorum' });

      // ETA tasks due 6 s from now: the worker holds them unacknowledged across the kill.
      const etaIds = Array.from({ length: ETA_TASKS }, () => randomUUID());
      for (const id of etaIds) {
        const eta = Date.now() + 6_000;
        etas.set(id, eta);
        await producer.publish(
          encodeTaskMessage({ headers: { task: 'cluster.eta', id, eta: new Date(eta) } }),
          { exchange: '', routingKey: queue },
        );
      }

      const confirmed = new Set<string>();
      const unconfirmed = new Map<string, string>();
      const ids = Array.from({ length: TASKS }, () => randomUUID());
      let next = 0;
      const publisher = async (): Promise<void> => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const message = encodeTaskMessage({ headers: { task: 'cluster.record', id } });
          try {
            await producer.publish(message, { exchange: '', routingKey: queue });
            confirmed.add(id);
          } catch (error) {
            unconfirmed.set(id, String(error));
          }
          await sleep(WINDOW * 2);
        }
      };
      const publishing = Promise.all(Array.from({ length: WINDOW }, publisher));

      await waitFor(() => completions.size >= TASKS / 4, {
        timeoutMs: 60_000,
        description: 'a quarter of the tasks completed before the kill',
      });
      const leaderNode = nodes.find((n) => n.nodename === leaderBefore);
      if (leaderNode === undefined) throw new Error(`leader ${leaderBefore} is not one of ours`);
      const completedAtKill = completions.size;
      const killedAt = performance.now();
      await leaderNode.stop(true);
      const survivor = nodes.find((n) => n !== leaderNode)!;
      const completedAfterKill = completedAtKill;
      await waitFor(() => completions.size > completedAfterKill + 50, {
        timeoutMs: 60_000,
        description: 'the worker consumes again after the kill',
      });
      const resumedMs = Math.round(performance.now() - killedAt);

      await publishing;
      await waitFor(() => [...confirmed].every((id) => completions.has(id)), {
        timeoutMs: 90_000,
        description: 'every confirmed task completed',
      });
      await waitFor(() => etaIds.every((id) => etaRuns.has(id)), {
        timeoutMs: 30_000,
        description: 'every ETA task ran',
      });
      const leaderAfter = await leaderOf(survivor, queue);
      const connections = await survivor.ctl('list_connections', 'port', 'client_properties');
      const missing = [...confirmed].filter((id) => !completions.has(id));
      const duplicates = [...completions.values()].reduce((n, count) => n + count - 1, 0);
      const inFlight = CONCURRENCY * PREFETCH_MULTIPLIER + WINDOW;
      const earlyEta = etaIds.filter((id) => etaRuns.get(id)!.ranAt < etaRuns.get(id)!.eta);
      console.log(
        JSON.stringify({
          test: 'rabbitmq-quorum-failover',
          nodes: 3,
          tasks: TASKS,
          confirmed: confirmed.size,
          unconfirmed: unconfirmed.size,
          lost: missing.length,
          duplicates,
          inFlightBound: inFlight,
          completedAtKill,
          resumedMs,
          etaTasks: ETA_TASKS,
          etaRan: etaRuns.size,
          etaEarly: earlyEta.length,
          leaderBefore,
          leaderAfter,
          workerTransportStatuses: statuses,
        }),
      );
      expect(missing).toEqual([]);
      expect(confirmed.size + unconfirmed.size).toBe(TASKS);
      expect(duplicates).toBeLessThanOrEqual(inFlight);
      expect(earlyEta).toEqual([]);
      expect(leaderAfter).not.toBe(leaderBefore);
      // The same worker process, never restarted, reconnected to a surviving node.
      expect(worker.state).toBe('running');
      expect(statuses).toContain('reconnecting');
      expect(statuses.at(-1)).toBe('connected');
      // The worker's connection (by its name) now ends at a surviving node's AMQP port.
      const workerPorts = connections
        .split('\n')
        .filter((line) => line.includes('{"connection_name","worker"}'))
        .map((line) => Number(/^(\d+)/.exec(line.trim())?.[1]));
      const survivorPorts = nodes.filter((n) => n !== leaderNode).map((n) => n.ports.amqp);
      expect(workerPorts.length, connections).toBe(1);
      expect(survivorPorts).toContain(workerPorts[0]);
    } finally {
      await worker.stop({ mode: 'cold' }).catch(() => undefined);
      await workerTransport.close();
      await producer.close();
      await backend.close();
    }
  }, 240_000);

  it('keeps the beat coordination’s token and state on quorum queues when the leader’s node dies', async () => {
    for (const node of nodes) if (!node.running) await node.boot();
    const [a, b, c] = nodes as [RabbitNode, RabbitNode, RabbitNode];
    const port = (n: RabbitNode) => `127.0.0.1:${n.ports.amqp}`;
    const namespace = `beat-${randomUUID()}`;
    const options = { namespace, queueType: 'quorum' as const, heartbeatSeconds: 1 };
    const first = createAmqpBeatCoordination(
      `amqp://guest:guest@${port(a)}//;${port(b)};${port(c)}`,
      options,
    );
    const second = createAmqpBeatCoordination(
      `amqp://guest:guest@${port(b)}//;${port(c)};${port(a)}`,
      options,
    );
    try {
      const lease = (await first.acquireLeadership('first', 30_000))!;
      expect(lease.holder).toBe('first');
      expect(await second.acquireLeadership('second', 30_000)).toBeUndefined();
      const T0 = Date.UTC(2026, 0, 1);
      await first.putEntry('nightly', { task: 'proj.nightly' });
      expect(await first.claimRun(lease, { entry: 'nightly', runAt: T0 })).toMatchObject({
        outcome: ClaimOutcome.claimed,
      });
      const leaderNode = await leaderOf(a, beatCoordinationQueues(namespace).leader);
      expect(leaderNode).toBe(a.nodename);
      const killedAt = performance.now();
      await a.stop(true);
      await waitFor(async () => (await second.leader())?.holder === 'second', {
        timeoutMs: 30_000,
        description: 'the second replica leads after the kill',
      });
      const failoverMs = Math.round(performance.now() - killedAt);
      const next = (await second.acquireLeadership('second', 30_000))!;
      expect(next.epoch).toBe(lease.epoch + 1);
      expect((await second.entries()).entries.map((e) => e.name)).toEqual(['nightly']);
      expect(await second.claimRun(next, { entry: 'nightly', runAt: T0 })).toMatchObject({
        outcome: ClaimOutcome.alreadyRun,
      });
      expect(await second.claimRun(next, { entry: 'nightly', runAt: T0 + 1000 })).toMatchObject({
        outcome: ClaimOutcome.claimed,
      });
      // The old leader reconnects through another node: its term is fenced.
      expect(await first.claimRun(lease, { entry: 'nightly', runAt: T0 + 2000 })).toEqual({
        outcome: ClaimOutcome.fenced,
      });
      console.log(JSON.stringify({ test: 'rabbitmq-quorum-beat-failover', failoverMs }));
    } finally {
      await first.close();
      await second.close();
    }
  }, 120_000);
});
