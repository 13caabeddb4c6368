/**
 * Private RabbitMQ nodes for tests that need a TLS listener or a cluster: each node has its
 * own name, ports, Mnesia and log directories and config file, started from Debian's
 * `/usr/lib/rabbitmq/bin` (the `/usr/sbin` wrapper switches user and pins the node name).
 * Nodes of one cluster share a private HOME holding their own Erlang cookie, so nothing
 * here can join or stop the shared broker at 5672. Every node is killed by `dispose`.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@celeriac/testing';

const run = promisify(execFile);
const BIN = '/usr/lib/rabbitmq/bin';

/** Ports a node listens on. */
export interface NodePorts {
  readonly amqp: number;
  readonly dist: number;
  /** A second listener port (the TLS one), when the config uses it. */
  readonly extra: number;
}

/** How to start a node. */
export interface NodeOptions {
  /** Short name, e.g. `tls` → `celeriac-tls-<random>@localhost`. */
  readonly name: string;
  /** The `rabbitmq.conf` text, given the node's ports. */
  readonly config?: (ports: NodePorts) => string;
  /** A HOME shared with other nodes (their Erlang cookie); default one of its own. */
  readonly home?: string;
  /**
   * A network namespace to run the node (and rabbitmqctl) in; the node then listens on all
   * of the namespace's addresses and starts an epmd of its own there.
   */
  readonly netns?: string;
}

/** A private HOME with an Erlang cookie: what nodes of one cluster and rabbitmqctl share. */
export async function makeCookieHome(): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'celeriac-rmq-home-'));
  const cookie = join(home, '.erlang.cookie');
  await writeFile(cookie, randomBytes(20).toString('hex').toUpperCase());
  await chmod(cookie, 0o400);
  return home;
}

/** A RabbitMQ node owned by one test file. */
export class RabbitNode {
  readonly nodename: string;
  readonly ports: NodePorts;
  readonly #dir: string;
  readonly #home: string;
  readonly #netns: string | undefined;
  #child: ChildProcess | undefined;
  #output: string[] = [];

  private constructor(
    nodename: string,
    dir: string,
    home: string,
    ports: NodePorts,
    netns?: string,
  ) {
    this.#netns = netns;
    this.nodename = nodename;
    this.#dir = dir;
    this.#home = home;
    this.ports = ports;
  }

  /** Make the directories and boot the node; resolves once it runs. */
  static async start(options: NodeOptions): Promise<RabbitNode> {
    const dir = await mkdtemp(join(tmpdir(), `celeriac-rmq-${options.name}-`));
    const home = options.home ?? (await makeCookieHome());
    const ports = { amqp: await freePort(), dist: await freePort(), extra: await freePort() };
    const name = `celeriac-${options.name}-${randomBytes(3).toString('hex')}@localhost`;
    const node = new RabbitNode(name, dir, home, ports, options.netns);
    await writeFile(join(dir, 'env.conf'), '');
    await writeFile(join(dir, 'enabled_plugins'), '[].\n');
    const listener =
      options.netns === undefined
        ? `listeners.tcp.local = 127.0.0.1:${ports.amqp}`
        : `listeners.tcp.default = ${ports.amqp}`;
    const config = `${listener}\nloopback_users = none\n` + (options.config?.(ports) ?? '');
    await writeFile(join(dir, 'rabbitmq.conf'), config);
    try {
      await node.boot();
    } catch (error) {
      await node.dispose();
      throw error;
    }
    return node;
  }

  /** `amqp://guest:guest@127.0.0.1:<port>//` */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.ports.amqp}//`;
  }

  /** Whether the node's process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  get #env(): NodeJS.ProcessEnv {
    const dir = this.#dir;
    return {
      ...process.env,
      HOME: this.#home,
      RABBITMQ_CONF_ENV_FILE: join(dir, 'env.conf'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_NODENAME: this.nodename,
      RABBITMQ_NODE_PORT: String(this.ports.amqp),
      RABBITMQ_DIST_PORT: String(this.ports.dist),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'pid'),
    };
  }

  /** `[command, args]` to run `program` in the node's namespace, if it has one. */
  #inNamespace(program: string, args: string[]): [string, string[]] {
    if (this.#netns === undefined) return [program, args];
    return ['ip', ['netns', 'exec', this.#netns, program, ...args]];
  }

  /** Run `rabbitmqctl -n <node> …args`. */
  async ctl(...args: string[]): Promise<string> {
    const [command, argv] = this.#inNamespace(join(BIN, 'rabbitmqctl'), [
      '-n',
      this.nodename,
      ...args,
    ]);
    const { stdout } = await run(command, argv, { env: this.#env, timeout: 90_000 });
    return stdout;
  }

  /** Start the node process (again after {@link stop}: same data). */
  async boot(): Promise<void> {
    if (this.#child !== undefined) throw new Error(`${this.nodename} is already running`);
    await mkdir(this.#dir, { recursive: true });
    const [command, argv] = this.#inNamespace(join(BIN, 'rabbitmq-server'), []);
    const child = spawn(command, argv, {
      env: this.#env,
      cwd: this.#dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
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

  /** Stop the node (Erlang VM included), or kill it with `hard`; wait for the exit. */
  async stop(hard = false): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    if (hard) this.#killGroup(child);
    else {
      try {
        await this.ctl('stop');
      } catch {
        this.#killGroup(child);
      }
    }
    await exited;
  }

  /** SIGKILL the node's process group (the script, the VM and its port programs). */
  #killGroup(child: ChildProcess): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }

  /** Join `other`'s cluster: stop_app, join_cluster, start_app. */
  async join(other: RabbitNode): Promise<void> {
    await this.ctl('stop_app');
    await this.ctl('join_cluster', other.nodename);
    await this.ctl('start_app');
  }

  /** Kill the node for good and delete its directories (not a shared HOME). Idempotent. */
  async dispose(): Promise<void> {
    const child = this.#child;
    if (child !== undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.#killGroup(child);
      await exited;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
