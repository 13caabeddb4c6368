/**
 * Helpers of the Redis reliability tests: the celeriac worker child process, task
 * messages for it, the witness of completions, and a private `redis-server` that a test
 * may kill and restart without disturbing the shared Redis other tests use.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { BrokerMessage } from '@celeriac/protocol';
import { encodeTaskMessage } from '@celeriac/protocol';
import { waitFor, freePort } from '@celeriac/testing';

/** The shared Redis of the test suite (the witness of completions lives there). */
export const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
/** The task the child worker runs. */
export const RECORD_TASK = 'reliability.record';

const CHILD = fileURLToPath(new URL('./redis-worker-child.ts', import.meta.url));

/** Unique key prefix and queue of one test. */
export function reliabilityNames(): { prefix: string; queue: string } {
  const id = randomUUID().slice(0, 8);
  return { prefix: `celeriac-rel-${id}:`, queue: `reliability.${id}` };
}

/** A v2 task message for `reliability.record(n)`, as Celery 5.2 would send it. */
export function recordMessage(n: number): BrokerMessage {
  return encodeTaskMessage({
    headers: { task: RECORD_TASK, id: randomUUID(), origin: `gen${process.pid}@reliability` },
    args: [n],
  });
}

/** Settings of one worker child. */
export interface WorkerChildSettings {
  brokerUrl: string;
  prefix: string;
  queue: string;
  /** Visibility timeout in seconds. */
  visibility: number;
  concurrency: number;
  taskMs: number;
}

/** A running worker child. */
export interface WorkerChild {
  readonly process: ChildProcess;
  /** Resolves once the worker consumes. */
  readonly ready: Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** stderr so far, for failure messages. */
  stderr(): string;
}

/** Start the celeriac worker child (`redis-worker-child.ts`) under tsx. */
export function startWorkerChild(settings: WorkerChildSettings): WorkerChild {
  // tsx as a loader in one process: the `tsx` CLI would run the script in a grandchild
  // that a SIGKILL of the CLI leaves running.
  const child = spawn(
    process.execPath,
    ['--conditions=@celeriac/source', '--import', 'tsx', CHILD],
    {
      env: {
        ...process.env,
        BROKER_URL: settings.brokerUrl,
        WITNESS_URL: REDIS_URL,
        PREFIX: settings.prefix,
        QUEUE: settings.queue,
        VISIBILITY: String(settings.visibility),
        CONCURRENCY: String(settings.concurrency),
        TASK_MS: String(settings.taskMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    });
    void exited.then(() => reject(new Error(`worker child exited before ready: ${err}`)));
  });
  ready.catch(() => undefined);
  return { process: child, ready, exited, stderr: () => err };
}

/** SIGKILL a child (no-op when it already exited) and wait for it to be gone. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}

/** What the worker children recorded on the witness Redis. */
export interface Completions {
  /** Distinct tasks completed. */
  done: Set<number>;
  /** Completed runs in all (≥ done.size; the difference is duplicates). */
  runs: number;
}

/** Read the completions of the test with `prefix`. */
export async function completions(witness: Redis, prefix: string): Promise<Completions> {
  const [done, runs] = await Promise.all([
    witness.smembers(`${prefix}done`),
    witness.hvals(`${prefix}runs`),
  ]);
  return {
    done: new Set(done.map(Number)),
    runs: runs.reduce((sum, n) => sum + Number(n), 0),
  };
}

/** Delete every key starting with `prefix` on `url`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** A private `redis-server` child on its own port and data directory. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL the server (a crash: no shutdown save). */
  kill(): Promise<void>;
  /** Start it again on the same port and directory (after `kill`). */
  start(): Promise<void>;
  /** Kill it and remove its directory. */
  dispose(): Promise<void>;
}

/**
 * Start a private `redis-server`. With `appendonly`, every write is in the AOF and
 * fsynced before Redis replies (`appendfsync always`), so whatever a client saw
 * confirmed survives a SIGKILL of the server.
 */
export async function startPrivateRedis(options: { appendonly: boolean }): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push('--daemonize', 'no', '--appendonly', options.appendonly ? 'yes' : 'no');
  if (options.appendonly) args.push('--appendfsync', 'always');
  let server: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}/0`;

  const start = async () => {
    server = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(
      async () => {
        const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 10_000, intervalMs: 20, description: `redis-server on port ${port}` },
    );
  };
  const kill = () => killChild(server);
  await start();
  return {
    url,
    port,
    kill,
    start,
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
