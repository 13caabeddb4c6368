/**
 * Workers on separate hosts (issue 18), built with network namespaces: two celeriac
 * workers, each in its own namespace joined to the broker's by a veth pair; the private
 * Redis listens on the host side of both links. Mid-run, one worker's link is cut: its
 * held acks-late tasks go back to the queue after the visibility timeout and run on the
 * other worker; nothing is lost. When the link returns, the cut worker resumes without a
 * restart. Prints its figures as a JSON line. Needs root (`ip netns`); skipped otherwise.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTaskMessage } from '@celeriac/protocol';
import { createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import type { ServerProcess } from './redis-servers.js';
import { freePort, startServer, tempDir } from './redis-servers.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./redis-netns-worker.ts', import.meta.url));
const root = process.getuid?.() === 0;
const tag = String(process.pid % 100_000);
const subnet = (k: number) => `10.${230 + k}.${process.pid % 250}`;
const TASKS = 200;
const VISIBILITY = 3;

interface Link {
  ns: string;
  hostSide: string;
  brokerIp: string;
}
const links: Link[] = [];
const children: ChildProcess[] = [];
let server: ServerProcess | undefined;
const dir = tempDir('netns');

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** A namespace joined to the host by a veth pair: host side `.1`, namespace side `.2`. */
async function makeLink(k: number): Promise<Link> {
  const ns = `crn${k}-${tag}`;
  const hostSide = `crh${k}-${tag}`;
  const nsSide = `crw${k}-${tag}`;
  const net = subnet(k);
  await ip('netns', 'add', ns);
  const link = { ns, hostSide, brokerIp: `${net}.1` };
  links.push(link);
  await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
  await ip('link', 'set', nsSide, 'netns', ns);
  await ip('addr', 'add', `${net}.1/30`, 'dev', hostSide);
  await ip('link', 'set', hostSide, 'up');
  await ip('-n', ns, 'addr', 'add', `${net}.2/30`, 'dev', nsSide);
  await ip('-n', ns, 'link', 'set', nsSide, 'up');
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  return link;
}

/** What one worker child reported on stdout, with times. */
interface Reports {
  started: Map<number, number>;
  done: Map<number, number[]>;
  ready: Promise<void>;
}

function startWorker(link: Link, port: number, name: string): Reports {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      link.ns,
      process.execPath,
      '--conditions=@celeriac/source',
      '--import',
      'tsx',
      CHILD,
    ],
    {
      env: {
        ...process.env,
        BROKER_URL: `redis://${link.brokerIp}:${port}/0`,
        QUEUE: 'netns.work',
        VISIBILITY: String(VISIBILITY),
        CONCURRENCY: '3',
        TASK_MS: '400',
        NAME: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const reports: Reports = { started: new Map(), done: new Map(), ready: Promise.resolve() };
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  reports.ready = new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'ready') resolve();
        if (what === 'start') reports.started.set(Number(n), performance.now());
        if (what === 'done') {
          const times = reports.done.get(Number(n)) ?? [];
          times.push(performance.now());
          reports.done.set(Number(n), times);
        }
      }
    });
    child.once('exit', () => reject(new Error(`worker ${name} exited: ${err}`)));
  });
  reports.ready.catch(() => undefined);
  return reports;
}

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.kill();
  for (const link of links) {
    await ip('link', 'del', link.hostSide).catch(() => undefined);
    await ip('netns', 'del', link.ns).catch(() => undefined);
  }
  dir.remove();
});

describe.runIf(root)('Redis: workers in separate network namespaces', () => {
  it('redelivers a cut-off worker’s acks-late tasks to the other; the cut worker resumes', async () => {
    const [a, b] = [await makeLink(1), await makeLink(2)];
    const port = await freePort();
    server = await startServer(port, [
      '--port',
      String(port),
      '--bind',
      `127.0.0.1 ${a.brokerIp} ${b.brokerIp}`,
      '--protected-mode',
      'no',
      '--save',
      '',
      '--dir',
      dir.dir,
    ]);
    const w1 = startWorker(a, port, 'cut');
    const w2 = startWorker(b, port, 'other');
    await Promise.all([w1.ready, w2.ready]);

    const producer = createRedisTransport(`redis://127.0.0.1:${port}/0`, { prioritySteps: [0] });
    try {
      for (let n = 0; n < TASKS; n++) {
        const message = encodeTaskMessage({
          headers: { task: 'netns.work', id: randomUUID() },
          args: [n],
        });
        await producer.publish(message, { exchange: '', routingKey: 'netns.work' });
      }
    } finally {
      await producer.close();
    }
    await waitFor(() => w1.started.size >= 15, {
      timeoutMs: 20_000,
      description: 'w1 to run 15 tasks',
    });
    const cutAt = performance.now();
    await ip('link', 'set', a.hostSide, 'down');
    // Held by the cut worker: started, and not finished before the cut.
    const held = [...w1.started.keys()].filter((n) => !((w1.done.get(n)?.[0] ?? Infinity) < cutAt));
    await waitFor(() => held.every((n) => w2.done.has(n)), {
      timeoutMs: 20_000,
      description: 'the other worker to run the cut worker’s held tasks',
    });
    const redeliveredAt = Math.max(...held.map((n) => w2.done.get(n)![0]!));
    const upAt = performance.now();
    await ip('link', 'set', a.hostSide, 'up');
    await waitFor(() => [...w1.started.values()].some((t) => t > upAt), {
      timeoutMs: 30_000,
      description: 'the cut worker to resume',
    });
    const resumedAt = Math.min(...[...w1.started.values()].filter((t) => t > upAt));
    const doneBy = (n: number) => (w1.done.get(n)?.length ?? 0) + (w2.done.get(n)?.length ?? 0);
    await waitFor(() => Array.from({ length: TASKS }, (_, n) => doneBy(n)).every((c) => c > 0), {
      timeoutMs: 60_000,
      description: 'every task to be done',
    });
    const counts = Array.from({ length: TASKS }, (_, n) => doneBy(n));
    const figures = {
      test: 'redis-netns-link-cut',
      tasks: TASKS,
      lost: counts.filter((c) => c === 0).length,
      duplicated: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
      heldAtCut: held.length,
      redeliveredWithinMs: Math.round(redeliveredAt - cutAt),
      visibilityTimeoutMs: VISIBILITY * 1000,
      resumeAfterLinkUpMs: Math.round(resumedAt - upAt),
      doneByCutWorker: w1.done.size,
      doneByOther: w2.done.size,
    };
    console.log(JSON.stringify(figures));
    expect(held.length).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    // Only what the cut worker held can run twice.
    expect(figures.duplicated).toBeLessThanOrEqual(held.length);
    expect(figures.redeliveredWithinMs).toBeLessThan((VISIBILITY + 5) * 1000);
  }, 120_000);
});
