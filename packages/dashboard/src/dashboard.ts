/**
 * `startDashboard`: a monitor on the broker (or one given), a control client, and an
 * HTTP server with the UI, the JSON API and the live stream. One owner for the whole
 * lifecycle (`starting → running → closing → closed`): `close()` ends the streams, the
 * server, the timers, and what the dashboard made (monitor, control client), never the
 * transport or backend it was given.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createControl, type Control } from '@celeriac/client';
import { createMonitor, type Monitor } from '@celeriac/monitor';
import { serve } from '@hono/node-server';
import type { DashboardInfo } from './api-types.js';
import { loadAssets } from './assets.js';
import { ClusterView } from './cluster-view.js';
import {
  resolveOptions,
  type DashboardOptions,
  type ResolvedOptions,
} from './dashboard-options.js';
import { DashboardListenError } from './errors.js';
import { LiveHub } from './live-hub.js';
import { createRoutes } from './routes.js';
import { WorkerFacts } from './worker-facts.js';

/** Lifecycle of a dashboard. */
export const DashboardState = {
  running: 'running',
  closing: 'closing',
  closed: 'closed',
} as const;
/** One of the values of {@link DashboardState}. */
export type DashboardState = (typeof DashboardState)[keyof typeof DashboardState];

/** A running dashboard. `AsyncDisposable`. */
export interface Dashboard extends AsyncDisposable {
  /** Where to open it, e.g. `http://127.0.0.1:5555/`. */
  readonly url: string;
  /** The port it listens on (the chosen one when `port` was 0). */
  readonly port: number;
  readonly status: DashboardState;
  /** The monitor it shows. */
  readonly monitor: Monitor;
  /** Pages connected to the live stream now. */
  readonly pages: number;
  /** Stop serving and stop what it started. Idempotent. */
  close(): Promise<void>;
}

type Server = ReturnType<typeof serve>;

async function version(): Promise<string> {
  try {
    const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  o: ResolvedOptions,
) {
  return new Promise<Server>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: o.port, hostname: o.address });
    const onError = (error: Error) => reject(new DashboardListenError(o.address, o.port, error));
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

function urlOf(address: string, port: number): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}/`;
}

class RunningDashboard implements Dashboard {
  #status: DashboardState = DashboardState.running;
  #closing: Promise<void> | undefined;

  constructor(
    readonly url: string,
    readonly port: number,
    readonly monitor: Monitor,
    private readonly hub: LiveHub,
    private readonly stops: readonly (() => Promise<void> | void)[],
  ) {}

  get status(): DashboardState {
    return this.#status;
  }

  get pages(): number {
    return this.hub.size;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#status = DashboardState.closing;
      try {
        await stopAll(this.stops);
      } finally {
        this.#status = DashboardState.closed;
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Run `stops` in order, each even if one before failed; rethrow the first failure. */
async function stopAll(stops: readonly (() => Promise<void> | void)[]): Promise<void> {
  let failure: Error | undefined;
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      failure ??=
        error instanceof Error ? error : new Error(`a stop step failed: ${String(error)}`);
    }
  }
  if (failure !== undefined) throw failure;
}

/**
 * Start a dashboard on `options.transport`: it starts a monitor (unless given one),
 * asks the workers for their pools, queues and actor trees, and serves the UI.
 * Rejects with `DashboardOptionError`, `DashboardAssetsMissingError`,
 * `DashboardListenError`, or the transport's error when the broker cannot be reached,
 * after stopping what it had started.
 *
 * @example
 * ```ts
 * await using dashboard = await startDashboard({ transport, port: 5555 });
 * console.log(`dashboard on ${dashboard.url}`);
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const o = resolveOptions(options);
  const assets = await loadAssets();
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const sign = o.control && 'sign' in o.control ? o.control.sign : undefined;
    const control: Control = createControl({
      transport: o.transport,
      logger: o.logger,
      ...(sign ? { sign } : {}),
    });
    stops.unshift(() => control.close());
    const monitor =
      o.monitor ??
      createMonitor({
        transport: o.transport,
        control,
        state: { maxTasks: o.maxTasks },
        queues: o.queues,
        logger: o.logger,
        now: o.now,
      });
    const facts = new WorkerFacts(control, o.logger);
    const view = new ClusterView(monitor.state, facts);
    const about = {
      control: o.control !== undefined,
      signed: sign !== undefined,
      broker: o.broker,
      backend: o.backend !== undefined,
      version: await version(),
    };
    const info = (): DashboardInfo => about;
    const hub = new LiveHub(view, info, o.now, o.updateIntervalMs);
    stops.unshift(() => hub.close());
    stops.unshift(
      monitor.state.subscribe((changes) => {
        view.observe(changes);
        hub.observe(changes);
      }),
    );
    stops.unshift(
      o.transport.onStatus((event) => {
        if (event.status === 'connected') hub.broker(true, null);
        if (event.status === 'reconnecting') hub.broker(false, event.error?.message ?? null);
      }),
    );
    if (!o.monitor) {
      stops.unshift(() => monitor.stop());
      await monitor.start();
    }
    const askFacts = () =>
      void facts.refresh().then((changed) => {
        if (changed) hub.factsChanged();
      });
    const timer = setInterval(askFacts, o.inspectIntervalMs);
    timer.unref();
    stops.unshift(() => clearInterval(timer));
    askFacts();
    const app = createRoutes({
      view,
      hub,
      monitor,
      facts,
      control,
      backend: o.backend,
      assets,
      auth: o.auth,
      info,
      logger: o.logger,
      now: o.now,
    });
    const server = await listen(app, o);
    stops.unshift(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Live streams never end on their own: end them with the server.
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
    );
    hub.start();
    const port = (server.address() as AddressInfo).port;
    return new RunningDashboard(urlOf(o.address, port), port, monitor, hub, stops);
  } catch (error) {
    await stopAll(stops).catch((cleanup: unknown) => {
      o.logger.warn('Could not stop what the dashboard had started', {
        error: cleanup instanceof Error ? cleanup.message : String(cleanup),
      });
    });
    throw error;
  }
}
