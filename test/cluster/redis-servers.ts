/**
 * Private `redis-server` processes for the scale-out and TLS tests: each on its own
 * loopback port and directory, never the shared Redis at 6379, killed by the test that
 * started it (also after a failure).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { freePort, waitFor } from '@celeriac/testing';

export { freePort };

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Whether nothing listens on loopback `port` now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` ports for Redis Cluster nodes, each with its cluster bus port (`port + 10000`)
 * free too: taken from 20000–29999 (below the ephemeral range, so the bus port stays
 * valid), starting at an offset derived from the process id so parallel runs rarely meet.
 */
export async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const start = 20_000 + ((process.pid * 37) % 9_000);
  for (let i = 0; ports.length < count && i < 10_000; i++) {
    const port = 20_000 + ((start - 20_000 + i) % 10_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports for the Redis Cluster nodes');
  return ports;
}

/** A private temporary directory, removed by the returned function. */
export function tempDir(name: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `celeriac-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running server process; `kill()` SIGKILLs it (a crash) and waits for the exit. */
export interface ServerProcess {
  readonly port: number;
  readonly process: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawn `redis-server` with `args` (a config on the command line), then wait until a
 * probe with `probe` options on `port` answers PING.
 */
export async function startServer(
  port: number,
  args: readonly string[],
  probe: RedisOptions = {},
): Promise<ServerProcess> {
  const child = spawn('redis-server', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: ServerProcess = {
    port,
    process: child,
    output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await gone;
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited: ${out}`);
        const client = new Redis({ port, lazyConnect: true, retryStrategy: () => null, ...probe });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      },
      { timeoutMs: 15_000, intervalMs: 50, description: `redis-server on port ${port}` },
    );
  } catch (error) {
    await server.kill();
    throw error;
  }
  return server;
}

/** The arguments every private server gets: loopback, no persistence, its own directory. */
export function baseArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
}
