/**
 * A private RabbitMQ node for tests that restart the broker: its own node name, ports,
 * Mnesia and log directories, Erlang cookie (a private HOME) and config, so stopping it
 * never touches the shared broker at 5672 that other test files use in parallel.
 *
 * Debian's `/usr/sbin/rabbitmq-server` switches to the `rabbitmq` user and sources
 * `/etc/rabbitmq/rabbitmq-env.conf` (which pins `NODENAME=rabbit@localhost`); the node
 * is started from `/usr/lib/rabbitmq/bin/` instead, with `RABBITMQ_CONF_ENV_FILE` and
 * `RABBITMQ_CONFIG_FILE` pointing at files of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/rabbitmq/bin';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A RabbitMQ node owned by one test; {@link PrivateRabbitNode.start} it, dispose it after. */
export class PrivateRabbitNode implements AsyncDisposable {
  readonly nodename: string;
  #dir = '';
  #port = 0;
  #distPort = 0;
  #child: ChildProcess | undefined;
  #output: string[] = [];

  private constructor() {
    this.nodename = `celeriac-${randomBytes(4).toString('hex')}@localhost`;
  }

  /** Create the directories and boot the node; resolves once it accepts connections. */
  static async start(): Promise<PrivateRabbitNode> {
    const node = new PrivateRabbitNode();
    node.#dir = await mkdtemp(join(tmpdir(), 'celeriac-rmq-'));
    node.#port = await freePort();
    node.#distPort = await freePort();
    await mkdir(join(node.#dir, 'home'));
    await writeFile(join(node.#dir, 'env.conf'), '');
    await writeFile(join(node.#dir, 'enabled_plugins'), '[].\n');
    await writeFile(
      join(node.#dir, 'rabbitmq.conf'),
      `listeners.tcp.local = 127.0.0.1:${node.#port}\n`,
    );
    try {
      await node.boot();
    } catch (error) {
      await node[Symbol.asyncDispose]();
      throw error;
    }
    return node;
  }

  /** `amqp://guest:guest@127.0.0.1:<port>//` */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.#port}//`;
  }

  get #env(): NodeJS.ProcessEnv {
    const dir = this.#dir;
    return {
      ...process.env,
      HOME: join(dir, 'home'),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'env.conf'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_NODENAME: this.nodename,
      RABBITMQ_NODE_PORT: String(this.#port),
      RABBITMQ_DIST_PORT: String(this.#distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'pid'),
    };
  }

  /** Run `rabbitmqctl -n <node> …args`. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run(join(BIN, 'rabbitmqctl'), ['-n', this.nodename, ...args], {
      env: this.#env,
      timeout: 90_000,
    });
    return stdout;
  }

  /** Start the node process (again, after {@link stop}: same data, so durable queues survive). */
  async boot(): Promise<void> {
    if (this.#child !== undefined) throw new Error(`${this.nodename} is already running`);
    const child = spawn(join(BIN, 'rabbitmq-server'), [], {
      env: this.#env,
      cwd: this.#dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.#output.push(chunk.toString());
      if (this.#output.length > 200) this.#output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.#child = child;
    child.once('exit', () => {
      if (this.#child === child) this.#child = undefined;
    });
    // await_startup fails at once while the node has not registered with epmd yet.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await this.ctl('await_startup', '--timeout', '60');
        return;
      } catch (error) {
        if (this.#child !== child || Date.now() > deadline) {
          throw new Error(
            `${this.nodename} did not start:\n${this.#output.join('').slice(-2000)}`,
            {
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** Stop the whole node (Erlang VM included) and wait for its process to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    await this.ctl('stop').catch(() => child.kill('SIGKILL'));
    await exited;
  }

  /** Stop the node for good and delete its directories. Idempotent. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop().catch(() => this.#child?.kill('SIGKILL'));
    if (this.#dir !== '') await rm(this.#dir, { recursive: true, force: true });
    this.#dir = '';
  }
}
