/**
 * One worker as the monitor knows it from `worker-*` events (and task events, which
 * also prove it alive), with Celery's liveness rule (`celery.events.state.Worker`): alive
 * while `now < last heartbeat received + freq × 2` (`HEARTBEAT_EXPIRE_WINDOW` 200 %);
 * `worker-offline` ends it at once. Unlike Celery's `State`, an offline worker is kept
 * (marked offline) so a dashboard can still show it.
 */
import type { ActorNode } from '@celeriac/client';
import type { ActorTransition } from './actor-tree.js';
import type { ReceivedEvent } from './event-receiver.js';

/** Heartbeat receive times kept per worker (Celery's `heartbeat_max`). */
const HEARTBEATS_KEPT = 4;
/** Celery's `HEARTBEAT_EXPIRE_WINDOW`: alive for 200 % of `freq` after a heartbeat. */
export const HEARTBEAT_EXPIRE_WINDOW = 2;
/** Celery's `HEARTBEAT_DRIFT_MAX`: a worker clock further off than this is reported. */
const DRIFT_MAX_SECONDS = 16;
/** Actor transitions kept per worker. */
export const ACTOR_TRANSITIONS_KEPT = 50;

/** What kind of worker sent the events (from `sw_ident`). */
export const WorkerKind = {
  celeriac: 'celeriac',
  python: 'python',
  unknown: 'unknown',
} as const;
/** One of the values of {@link WorkerKind}. */
export type WorkerKind = (typeof WorkerKind)[keyof typeof WorkerKind];

/** What the monitor knows about a worker. */
export interface WorkerInfo {
  /** Node name, e.g. `celery@host`. */
  readonly hostname: string;
  readonly kind: WorkerKind;
  /** Alive by Celery's rule at the last event or liveness check. */
  readonly online: boolean;
  /** When it was last seen going offline or expiring (unix seconds, local), else null. */
  readonly offlineSince: number | null;
  readonly pid: number | null;
  /** Heartbeat interval in seconds (60 until a worker event says, as Celery assumes). */
  readonly freq: number;
  /** When the last heartbeats arrived here (unix seconds), oldest first. */
  readonly heartbeats: readonly number[];
  /** When it is considered gone without another heartbeat (unix seconds), else null. */
  readonly heartbeatExpires: number | null;
  readonly clock: number;
  /** Tasks executing at the last heartbeat. */
  readonly active: number | null;
  /** Tasks processed since it started, at the last heartbeat. */
  readonly processed: number | null;
  /** 1, 5 and 15 minute load averages. */
  readonly loadavg: readonly number[] | null;
  readonly swIdent: string | null;
  readonly swVer: string | null;
  readonly swSys: string | null;
  /** Seconds between its clock and ours at the last heartbeat, when over 16 s. */
  readonly drift: number | null;
  /** First and last event seen from it (unix seconds, local). */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Task outcomes the monitor saw from it. */
  readonly succeeded: number;
  readonly failed: number;
  /** A celeriac worker's supervision tree, when known (contract 6); null for Python. */
  readonly actorTree: ActorNode | null;
  /** Its last actor transitions, oldest first. */
  readonly actorTransitions: readonly ActorTransition[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The monitor's own, writable view of a worker. */
export type WorkerRecord = Mutable<WorkerInfo> & {
  heartbeats: number[];
  actorTransitions: ActorTransition[];
};

/** A worker first seen at `now` (unix seconds). */
export function newWorker(hostname: string, now: number): WorkerRecord {
  return {
    hostname,
    kind: WorkerKind.unknown,
    online: false,
    offlineSince: null,
    pid: null,
    freq: 60,
    heartbeats: [],
    heartbeatExpires: null,
    clock: 0,
    active: null,
    processed: null,
    loadavg: null,
    swIdent: null,
    swVer: null,
    swSys: null,
    drift: null,
    firstSeen: now,
    lastSeen: now,
    succeeded: 0,
    failed: 0,
    actorTree: null,
    actorTransitions: [],
  };
}

function kindOf(swIdent: string): WorkerKind {
  if (swIdent === 'py-celery') return WorkerKind.python;
  if (swIdent.startsWith('celeriac')) return WorkerKind.celeriac;
  return WorkerKind.unknown;
}

/** Record that the worker was heard from at `localReceived` (a heartbeat's effect). */
export function heardFrom(worker: WorkerRecord, localReceived: number, timestamp?: number): void {
  const beats = worker.heartbeats;
  if (beats.length >= HEARTBEATS_KEPT) beats.shift();
  if (beats.length === 0 || localReceived >= beats[beats.length - 1]!) beats.push(localReceived);
  else
    beats.splice(
      beats.findIndex((b) => b > localReceived),
      0,
      localReceived,
    );
  worker.heartbeatExpires = beats[beats.length - 1]! + worker.freq * HEARTBEAT_EXPIRE_WINDOW;
  worker.lastSeen = Math.max(worker.lastSeen, localReceived);
  if (timestamp !== undefined) {
    const drift = Math.abs(Math.trunc(localReceived) - Math.trunc(timestamp));
    worker.drift = drift > DRIFT_MAX_SECONDS ? drift : null;
  }
}

/** Apply a `worker-online|heartbeat|offline` event. */
export function applyWorkerEvent(
  worker: WorkerRecord,
  subject: string,
  event: ReceivedEvent,
): void {
  const e = event as Record<string, unknown>;
  if (typeof e['pid'] === 'number') worker.pid = e['pid'];
  if (typeof e['freq'] === 'number' && e['freq'] > 0) worker.freq = e['freq'];
  if (typeof e['active'] === 'number') worker.active = e['active'];
  if (typeof e['processed'] === 'number') worker.processed = e['processed'];
  if (Array.isArray(e['loadavg']))
    worker.loadavg = e['loadavg'].filter((n) => typeof n === 'number');
  if (typeof e['sw_ident'] === 'string') {
    worker.swIdent = e['sw_ident'];
    worker.kind = kindOf(e['sw_ident']);
  }
  if (typeof e['sw_ver'] === 'string') worker.swVer = e['sw_ver'];
  if (typeof e['sw_sys'] === 'string') worker.swSys = e['sw_sys'];
  if (typeof e['clock'] === 'number') worker.clock = Math.max(worker.clock, e['clock']);
  if (subject === 'offline') {
    worker.heartbeats = [];
    worker.heartbeatExpires = null;
    worker.lastSeen = Math.max(worker.lastSeen, event.local_received);
    return;
  }
  const timestamp = typeof event.timestamp === 'number' ? event.timestamp : undefined;
  heardFrom(worker, event.local_received, timestamp);
}

/** Celery's `Worker.alive` at `now` (unix seconds). */
export function isAlive(worker: WorkerInfo, now: number): boolean {
  return worker.heartbeatExpires !== null && now < worker.heartbeatExpires;
}
