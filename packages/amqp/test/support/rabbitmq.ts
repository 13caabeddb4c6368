/**
 * Test helpers around the real RabbitMQ: `rabbitmqctl` queries (queue arguments with their
 * AMQP types, connections by name) and a TCP proxy that simulates network outages for one
 * connection without touching the broker other tests share.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import type { AmqpLogger } from '@celeriac/amqp';

const run = promisify(execFile);

export const AMQP_URL = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** A name no other test (or run) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 20_000 });
  return stdout;
}

/** An AMQP table as rabbitmqctl prints it: `[name, type, value]` triples. */
export type TypedArgs = [string, string, unknown][];

export interface QueueInfo {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: TypedArgs;
  type: string;
}

export async function queueInfo(name: string): Promise<QueueInfo | undefined> {
  const out = await rabbitmqctl(
    'list_queues',
    '-q',
    '--formatter',
    'json',
    'name',
    'durable',
    'auto_delete',
    'exclusive',
    'arguments',
    'type',
  );
  return (JSON.parse(out) as QueueInfo[]).find((q) => q.name === name);
}

export interface ExchangeInfo {
  name: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
}

export async function exchangeInfo(name: string): Promise<ExchangeInfo | undefined> {
  const out = await rabbitmqctl(
    'list_exchanges',
    '-q',
    '--formatter',
    'json',
    'name',
    'type',
    'durable',
    'auto_delete',
  );
  return (JSON.parse(out) as ExchangeInfo[]).find((e) => e.name === name);
}

/** `{name: [type, value]}` of a queue's arguments. */
export function argumentMap(args: TypedArgs): Record<string, [string, unknown]> {
  return Object.fromEntries(args.map(([name, type, value]) => [name, [type, value]]));
}

/** Close, from the server side, every connection whose `connection_name` is `name`. */
export async function closeConnectionsNamed(
  name: string,
  reason = 'test: forced close',
): Promise<number> {
  // The tab-separated form prints pids as close_connection wants them (`<rabbit@host.N.M.0>`).
  const out = await rabbitmqctl(
    'list_connections',
    '-q',
    '--no-table-headers',
    'pid',
    'client_properties',
  );
  const marker = `{"connection_name","${name}"}`;
  const pids = out
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, reason);
  return pids.length;
}

/** A logger that records what it was told. */
export function recordingLogger(): AmqpLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (message) => void lines.push(message) };
}

/**
 * A TCP proxy in front of RabbitMQ. `cut()` drops every open connection and refuses new
 * ones until `restore()`: a network outage for just the clients that go through it.
 */
export class TcpProxy implements AsyncDisposable {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #down = false;
  /** Connections the proxy accepted, cut or not. */
  accepted = 0;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(target = { host: '127.0.0.1', port: 5672 }): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.#accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  #accept(client: net.Socket, target: { host: string; port: number }): void {
    this.accepted++;
    if (this.#down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** The broker URL through this proxy. */
  url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}//`;
  }

  cut(): void {
    this.#down = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#down = false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 nobody listens on (connecting to it is refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP server that accepts connections and never answers: an AMQP handshake against it
 * hangs until a timeout (or an abort). `accepted` counts the connections made to it.
 */
export class SilentServer implements AsyncDisposable {
  accepted = 0;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(): Promise<SilentServer> {
    const server = net.createServer();
    const silent = new SilentServer(server);
    server.on('connection', (socket) => {
      silent.accepted++;
      silent.#sockets.add(socket);
      // Read (and drop) what the client sends, so its FIN is seen and the socket closes.
      socket.resume();
      socket.on('error', () => undefined);
      socket.on('close', () => silent.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return silent;
  }

  /** Sockets still open (an abandoned handshake closes its socket). */
  get open(): number {
    return this.#sockets.size;
  }

  url(): string {
    return `amqp://guest:secret@127.0.0.1:${(this.#server.address() as net.AddressInfo).port}//`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
