/**
 * Options of `startDashboard`, checked once at start: a wrong one is refused with a
 * one-line {@link DashboardOptionError} naming it. Defaults are Flower's (port 5555 on
 * 127.0.0.1). Read-only unless `control` is given.
 */
import type { ControlSigner } from '@celeriac/client';
import type { Monitor } from '@celeriac/monitor';
import type { ResultBackend, Transport } from '@celeriac/protocol';
import { DashboardOptionError } from './errors.js';

/** One user of basic authentication. */
export interface BasicUser {
  username: string;
  password: string;
}

/**
 * Who may open the dashboard. Without it anyone who reaches the address may, which is
 * why the default address is loopback.
 */
export type DashboardAuth =
  /** HTTP basic authentication (Flower's `--basic-auth user:pass`). */
  | { basic: BasicUser | readonly BasicUser[] }
  /**
   * A bearer token: `Authorization: Bearer <token>`, or open `/?token=<token>` once in
   * the browser (it is then kept in an HTTP-only cookie).
   */
  | { token: string };

/**
 * Lets the buttons that change workers (revoke, terminate) work. Without it the dashboard
 * is read-only: the buttons are disabled and the server refuses such requests (403).
 */
export type DashboardControl =
  /** Sign changing requests with the control key, through the control client's hook. */
  | { sign: ControlSigner }
  /** Send them unsigned, to workers that accept unsigned commands (Python's default). */
  | { unsigned: true };

/** Where the dashboard reports what it does not throw. The worker's `Logger` fits. */
export interface DashboardLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Options of `startDashboard`. */
export interface DashboardOptions {
  /** The broker connection to watch the cluster through; never closed by the dashboard. */
  transport: Transport;
  /** Read stored results and tracebacks for the task page; never closed by the dashboard. */
  backend?: ResultBackend;
  /**
   * A monitor already running on `transport` to show; default one made (and stopped)
   * by the dashboard.
   */
  monitor?: Monitor;
  /** TCP port; default 5555 (Flower's). 0 picks a free one (see `Dashboard.url`). */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  address?: string;
  auth?: DashboardAuth;
  control?: DashboardControl;
  /** The broker as the page shows it, e.g. `redis://:**@host:6379/0` (mask it). */
  broker?: string;
  /** Tasks kept in memory, the oldest forgotten first; default 10,000 (Flower's). */
  maxTasks?: number;
  /** Queues to show besides those the workers consume. */
  queues?: readonly string[];
  /** How often the page gets what changed, in ms; default 250. */
  updateIntervalMs?: number;
  /** How often workers are asked for their pool and running tasks, in ms; default 5,000. */
  inspectIntervalMs?: number;
  /** Default: `console`. */
  logger?: DashboardLogger;
  /** The clock, in ms; default `Date.now`. */
  now?: () => number;
}

/** Options with defaults filled in, checked. */
export interface ResolvedOptions {
  readonly transport: Transport;
  readonly backend: ResultBackend | undefined;
  readonly monitor: Monitor | undefined;
  readonly port: number;
  readonly address: string;
  readonly auth: DashboardAuth | undefined;
  readonly control: DashboardControl | undefined;
  readonly broker: string | null;
  readonly maxTasks: number;
  readonly queues: readonly string[];
  readonly updateIntervalMs: number;
  readonly inspectIntervalMs: number;
  readonly logger: DashboardLogger;
  readonly now: () => number;
}

const consoleLogger: DashboardLogger = {
  info: (message, fields) => console.info(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
};

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new DashboardOptionError(option, `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function checkAuth(auth: DashboardAuth | undefined): void {
  if (auth === undefined) return;
  if ('token' in auth) {
    if (typeof auth.token !== 'string' || auth.token.length < 8) {
      throw new DashboardOptionError('auth.token', 'must be a string of at least 8 characters');
    }
    return;
  }
  const users: readonly BasicUser[] = Array.isArray(auth.basic)
    ? (auth.basic as readonly BasicUser[])
    : [auth.basic as BasicUser];
  if (users.length === 0) throw new DashboardOptionError('auth.basic', 'lists no user');
  for (const user of users) {
    if (typeof user.username !== 'string' || user.username === '' || user.username.includes(':')) {
      throw new DashboardOptionError('auth.basic', 'a username must be non-empty, without ":"');
    }
    if (typeof user.password !== 'string' || user.password === '') {
      throw new DashboardOptionError('auth.basic', `user ${user.username} has an empty password`);
    }
  }
}

function checkControl(control: DashboardControl | undefined): void {
  if (control === undefined) return;
  const sign = (control as { sign?: unknown }).sign;
  const unsigned = (control as { unsigned?: unknown }).unsigned;
  if (typeof sign === 'function' || unsigned === true) return;
  throw new DashboardOptionError(
    'control',
    'needs sign (the control key as a signing hook) or unsigned: true',
  );
}

/** Check `options` and fill in the defaults. */
export function resolveOptions(options: DashboardOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object' || !options.transport) {
    throw new DashboardOptionError('transport', 'is required (a broker connection)');
  }
  const port = options.port ?? 5555;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DashboardOptionError('port', `must be an integer 0–65535, got ${String(port)}`);
  }
  const address = options.address ?? '127.0.0.1';
  if (typeof address !== 'string' || address.trim() === '') {
    throw new DashboardOptionError('address', 'must be a host name or an IP address');
  }
  checkAuth(options.auth);
  checkControl(options.control);
  return {
    transport: options.transport,
    backend: options.backend,
    monitor: options.monitor,
    port,
    address,
    auth: options.auth,
    control: options.control,
    broker: options.broker ?? null,
    maxTasks: positiveInteger('maxTasks', options.maxTasks, 10_000),
    queues: options.queues ?? [],
    updateIntervalMs: positiveInteger('updateIntervalMs', options.updateIntervalMs, 250),
    inspectIntervalMs: positiveInteger('inspectIntervalMs', options.inspectIntervalMs, 5_000),
    logger: options.logger ?? consoleLogger,
    now: options.now ?? Date.now,
  };
}
