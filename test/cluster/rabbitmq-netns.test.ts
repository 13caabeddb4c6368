/**
 * Workers on separate hosts, on one machine: a private RabbitMQ node in one network
 * namespace, two worker processes in two others, each joined to the broker's namespace by a
 * veth pair (and the test's own namespace by a third, to publish). One worker's link is cut
 * while it runs acks-late tasks: the broker misses its heartbeats, closes its connection and
 * redelivers its tasks to the other worker; when the link returns, the cut worker
 * reconnects and consumes again without a restart. Prints its figures as one JSON line.
 * Needs root (`ip netns`); skipped otherwise.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAmqpTransport } from '@celeriac/amqp';
import { encodeTaskMessage } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitNode } from './rabbitmq-node.js';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);
const root = process.getuid?.() === 0;
const TASKS = 30;
const TASK_MS = 1_500;

const tag = String(process.pid % 10_000);
const subnet = 100 + (process.pid % 100);
const ns = { broker: `cxb-${tag}`, w1: `cxw1-${tag}`, w2: `cxw2-${tag}` };
/** Broker-side address of each link (the peer is .2). */
const addr = (link: number, end: 1 | 2) => `10.${subnet}.${link}.${end}`;
const WORKER_SCRIPT = fileURLToPath(new URL('./rabbitmq-netns-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let node: RabbitNode | undefined;
const children: ChildProcess[] = [];

/** A veth pair `name-a` (broker side) / `name-b` (in `peerNs`, or here when undefined). */
async function link(n: number, peerNs: string | undefined): Promise<void> {
  const a = `cx${n}a-${tag}`;
  const b = `cx${n}b-${tag}`;
  await ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  await ip('link', 'set', a, 'netns', ns.broker);
  await ip('-n', ns.broker, 'addr', 'add', `${addr(n, 1)}/30`, 'dev', a);
  await ip('-n', ns.broker, 'link', 'set', a, 'up');
  if (peerNs !== undefined) {
    await ip('link', 'set', b, 'netns', peerNs);
    await ip('-n', peerNs, 'addr', 'add', `${addr(n, 2)}/30`, 'dev', b);
    await ip('-n', peerNs, 'link', 'set', b, 'up');
  } else {
    await ip('addr', 'add', `${addr(n, 2)}/30`, 'dev', b);
    await ip('link', 'set', b, 'up');
  }
}

async function cleanupNetwork(): Promise<void> {
  for (const name of Object.values(ns)) {
    // Processes left in our namespaces (the epmd our node started) are ours to end.
    const pids = await ip('netns', 'pids', name).then(
      (r) => r.stdout.split('\n').filter(Boolean),
      () => [] as string[],
    );
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await ip('netns', 'delete', name).catch(() => undefined);
  }
  // The root-side end of link 3 goes with its peer; delete it in case the peer is gone.
  await ip('link', 'delete', `cx3b-${tag}`).catch(() => undefined);
}

beforeAll(async () => {
  if (!root) return;
  await cleanupNetwork();
  for (const name of Object.values(ns)) {
    await ip('netns', 'add', name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  }
  await link(1, ns.w1);
  await link(2, ns.w2);
  await link(3, undefined);
  node = await RabbitNode.start({ name: 'netns', netns: ns.broker });
}, 120_000);

afterAll(async () => {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  await node?.dispose();
  if (root) await cleanupNetwork();
}, 60_000);

type Event = { worker: string; at: number; event: string; id?: string; status?: string };

/** Start a worker process in `netns`, its events collected in `events`. */
function startWorker(
  name: string,
  netns: string,
  brokerHost: string,
  queue: string,
  events: Event[],
) {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      process.execPath,
      '--conditions=@celeriac/source',
      '--import',
      'tsx',
      WORKER_SCRIPT,
    ],
    {
      cwd: REPO,
      env: {
        ...process.env,
        NETNS_NAME: name,
        NETNS_BROKER: `amqp://guest:guest@${brokerHost}:${node!.ports.amqp}//`,
        NETNS_QUEUE: queue,
        NETNS_TASK_MS: String(TASK_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  children.push(child);
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        events.push(JSON.parse(line) as Event);
      } catch {
        // Not an event line.
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, stderr: () => stderr };
}

describe.skipIf(!root)('workers in separate network namespaces', () => {
  it('redelivers a cut-off worker’s tasks to the other; the cut worker resumes when the link returns', async () => {
    const queue = `netns.${randomUUID()}`;
    const events: Event[] = [];
    const producer = createAmqpTransport(`amqp://guest:guest@${addr(3, 1)}:${node!.ports.amqp}//`, {
      logger: { warn: () => undefined },
    });
    try {
      await producer.declareQueue({ name: queue });
      const w1 = startWorker('w1', ns.w1, addr(1, 1), queue, events);
      const w2 = startWorker('w2', ns.w2, addr(2, 1), queue, events);
      await waitFor(
        () => ['w1', 'w2'].every((w) => events.some((e) => e.worker === w && e.event === 'ready')),
        {
          timeoutMs: 60_000,
          description: `both workers ready (${w1.stderr()}${w2.stderr()})`,
        },
      );
      const ids = Array.from({ length: TASKS }, () => randomUUID());
      for (const id of ids) {
        await producer.publish(encodeTaskMessage({ headers: { task: 'netns.work', id } }), {
          exchange: '',
          routingKey: queue,
        });
      }
      // Cut w1's link while it runs tasks (the broker's side of the veth goes down).
      await waitFor(() => events.some((e) => e.worker === 'w1' && e.event === 'start'), {
        timeoutMs: 20_000,
      });
      const started = (w: string) =>
        new Set(events.filter((e) => e.worker === w && e.event === 'start').map((e) => e.id));
      const done = (w: string) =>
        new Set(events.filter((e) => e.worker === w && e.event === 'done').map((e) => e.id));
      const doneBeforeCut = done('w1');
      const inFlightAtCut = [...started('w1')].filter((id) => !doneBeforeCut.has(id)) as string[];
      const cutAt = Date.now();
      await ip('-n', ns.broker, 'link', 'set', `cx1a-${tag}`, 'down');
      // The broker notices after about two missed heartbeats and hands them to w2.
      await waitFor(() => inFlightAtCut.every((id) => started('w2').has(id)), {
        timeoutMs: 30_000,
        description: 'w1’s unacknowledged tasks redelivered to w2',
      });
      const redeliveredMs =
        Math.max(
          ...events
            .filter(
              (e) => e.worker === 'w2' && e.event === 'start' && inFlightAtCut.includes(e.id!),
            )
            .map((e) => e.at),
        ) - cutAt;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const restoredAt = Date.now();
      await ip('-n', ns.broker, 'link', 'set', `cx1a-${tag}`, 'up');
      // Publish more so that w1 has something to take once it is back.
      const more = Array.from({ length: 10 }, () => randomUUID());
      for (const id of more) {
        await producer.publish(encodeTaskMessage({ headers: { task: 'netns.work', id } }), {
          exchange: '',
          routingKey: queue,
        });
      }
      await waitFor(
        () => events.some((e) => e.worker === 'w1' && e.event === 'start' && e.at > restoredAt),
        { timeoutMs: 30_000, description: 'w1 consumes again after the link returns' },
      );
      const resumedMs =
        Math.min(
          ...events
            .filter((e) => e.worker === 'w1' && e.event === 'start' && e.at > restoredAt)
            .map((e) => e.at),
        ) - restoredAt;
      const all = [...ids, ...more];
      await waitFor(() => all.every((id) => done('w1').has(id) || done('w2').has(id)), {
        timeoutMs: 60_000,
        description: 'every task done',
      });
      const runs = new Map<string, number>();
      for (const e of events) if (e.event === 'done') runs.set(e.id!, (runs.get(e.id!) ?? 0) + 1);
      const lost = all.filter((id) => !runs.has(id));
      const duplicates = [...runs.values()].reduce((n, c) => n + c - 1, 0);
      console.log(
        JSON.stringify({
          test: 'rabbitmq-netns',
          tasks: all.length,
          lost: lost.length,
          duplicates,
          inFlightAtCut: inFlightAtCut.length,
          redeliveredToOtherMs: redeliveredMs,
          cutWorkerResumedMs: resumedMs,
          w1Statuses: events
            .filter((e) => e.worker === 'w1' && e.event === 'status')
            .map((e) => e.status),
        }),
      );
      expect(inFlightAtCut.length).toBeGreaterThan(0);
      expect(lost).toEqual([]);
      // Only the tasks w1 held at the cut can run twice (prefetch 2 × 1).
      expect(duplicates).toBeLessThanOrEqual(inFlightAtCut.length);
      expect(w1.child.exitCode).toBeNull();
    } finally {
      await producer.deleteQueue(queue).catch(() => undefined);
      await producer.close();
    }
  }, 150_000);
});
