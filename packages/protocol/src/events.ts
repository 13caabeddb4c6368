/**
 * Celery events (celery-wire.md §5): what `celery events` and Flower read. Events are
 * flat JSON objects with Celery's field names (snake_case, kept as on the wire because
 * monitors read them by those names), published to the `celeryev` exchange with routing
 * key = type with `-` → `.`, header `hostname`, transient. Task events are batched as a
 * JSON **list** under routing key `task.multi`; receivers accept a list or one object.
 */
import type { BrokerMessage } from './broker-message.js';
import { DecodeError } from './errors.js';
import { encodeJson } from './json.js';
import type { AuthSerializer } from './auth-serializer.js';
import { decodeBody, finishBody, type DecodeBodyOptions } from './serialization.js';

/** Event types Celery 5.2 sends. */
export const EventType = {
  taskSent: 'task-sent',
  taskReceived: 'task-received',
  taskStarted: 'task-started',
  taskSucceeded: 'task-succeeded',
  taskFailed: 'task-failed',
  taskRetried: 'task-retried',
  taskRevoked: 'task-revoked',
  taskRejected: 'task-rejected',
  workerOnline: 'worker-online',
  workerHeartbeat: 'worker-heartbeat',
  workerOffline: 'worker-offline',
} as const;
/** One of the values of {@link EventType}. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/** The events exchange (`event_exchange`): topic on AMQP, fanout on Redis. */
export const EVENT_EXCHANGE = 'celeryev';
/** Routing key of a batch of task events. */
export const TASK_MULTI_ROUTING_KEY = 'task.multi';

/** Fields every event has. */
export interface EventCommon {
  type: string;
  /** Unix seconds (float), `time.time()`. */
  timestamp: number;
  /** Node name of the sender, e.g. `celery@host`. */
  hostname: string;
  /** Hours **west** of UTC (`time.timezone // 3600`): 0 for UTC, -1 for CET. */
  utcoffset: number;
  /** Sender's main process id. */
  pid: number;
  /** Lamport clock. */
  clock: number;
}

/** Extra fields per task event type (celery-wire.md §5.3). */
export interface TaskEventFields {
  'task-sent': {
    uuid: string;
    root_id: string | null;
    parent_id: string | null;
    name: string;
    args: string;
    kwargs: string;
    retries: number;
    eta: string | null;
    expires: string | null;
    queue?: string;
    exchange?: string;
    routing_key?: string;
  };
  'task-received': {
    uuid: string;
    name: string;
    /** `argsrepr`, a string. */
    args: string;
    kwargs: string;
    root_id: string | null;
    parent_id: string | null;
    retries: number;
    eta: string | null;
    expires: string | null;
  };
  'task-started': { uuid: string };
  'task-succeeded': { uuid: string; /** saferepr of the result */ result: string; runtime: number };
  'task-failed': {
    uuid: string;
    /** repr, e.g. `ValueError('x')` */ exception: string;
    traceback?: string;
  };
  'task-retried': { uuid: string; exception: string; traceback: string };
  'task-revoked': { uuid: string; terminated: boolean; signum: number | null; expired: boolean };
  'task-rejected': { uuid: string; requeue: boolean };
}

/** Worker state fields of `worker-online`, `worker-heartbeat`, `worker-offline`. */
export interface WorkerEventFields {
  /** Heartbeat interval in seconds; monitors consider the worker gone after 2 × freq. */
  freq: number;
  /** Tasks executing now. */
  active: number;
  /** Tasks processed since start. */
  processed: number;
  /** 1, 5 and 15 minute load averages, 2 decimals. */
  loadavg: [number, number, number];
  sw_ident: string;
  sw_ver: string;
  sw_sys: string;
}

/** A task event of type `T`. */
export type TaskEvent<T extends keyof TaskEventFields = keyof TaskEventFields> = EventCommon & {
  type: T;
} & TaskEventFields[T];
/** A worker event. */
export type WorkerEvent = EventCommon & {
  type: 'worker-online' | 'worker-heartbeat' | 'worker-offline';
} & WorkerEventFields;
/** Any event as decoded: known fields typed, others kept. */
export type CeleryEvent = EventCommon & Record<string, unknown>;

/** Who sends: the fields the dispatcher adds to every event. */
export interface EventSource {
  hostname: string;
  pid: number;
  clock: number;
  /** Default: from the local time zone, see {@link utcoffset}. */
  utcoffset?: number;
  /** Unix seconds; default now. */
  timestamp?: number;
}

/**
 * Celery's `utcoffset()`: hours west of UTC, floored, for the zone in effect at `date`
 * (`Date#getTimezoneOffset` is minutes west, so the sign already matches).
 */
export function utcoffset(date: Date = new Date()): number {
  return Math.floor(date.getTimezoneOffset() / 60);
}

/** The routing key of an event type: `-` → `.` (`worker-heartbeat` → `worker.heartbeat`). */
export function eventRoutingKey(type: string): string {
  return type.replaceAll('-', '.');
}

/**
 * Build an event with Celery's key order: `hostname, utcoffset, pid, clock`, the
 * type's fields, then `timestamp, type` (as the dispatcher and `Event()` assemble it).
 */
export function createEvent<T extends keyof TaskEventFields>(
  type: T,
  fields: TaskEventFields[T],
  source: EventSource,
): TaskEvent<T>;
export function createEvent(
  type: WorkerEvent['type'],
  fields: WorkerEventFields,
  source: EventSource,
): WorkerEvent;
export function createEvent(
  type: string,
  fields: Record<string, unknown>,
  source: EventSource,
): CeleryEvent;
export function createEvent(type: string, fields: object, source: EventSource): EventCommon {
  return {
    hostname: source.hostname,
    utcoffset: source.utcoffset ?? utcoffset(),
    pid: source.pid,
    clock: source.clock,
    ...fields,
    timestamp: source.timestamp ?? Date.now() / 1000,
    type,
  };
}

/** An event message and where it goes on the `celeryev` exchange. */
export interface EventMessage {
  message: BrokerMessage;
  routingKey: string;
}

/**
 * The message for one event (routing key from its type) or a batch of task events (a
 * JSON list under `task.multi`). Header `hostname`, delivery mode 1. With `auth`, the
 * body is signed (Celery's `event_serializer = 'auth'`).
 */
export function encodeEventMessage(
  events: EventCommon | readonly EventCommon[],
  options: { auth?: AuthSerializer } = {},
): EventMessage {
  const batch = Array.isArray(events);
  const list: readonly EventCommon[] = batch ? events : [events as EventCommon];
  const first = list[0];
  if (first === undefined) throw new RangeError('encodeEventMessage: an empty batch');
  const body = finishBody(encodeJson(events, 'event'), undefined, options.auth);
  return {
    routingKey: batch ? TASK_MULTI_ROUTING_KEY : eventRoutingKey(first.type),
    message: {
      body: body.body,
      contentType: body.contentType,
      contentEncoding: body.contentEncoding,
      headers: { hostname: first.hostname },
      properties: { deliveryMode: 1, priority: 0 },
    },
  };
}

/**
 * Decode an event message into a list of events (a batch body is a list, a single event
 * an object). Each must be an object with a string `type`; other fields are kept as sent.
 * `options` are `decodeBody`'s (accept list, bounds, `auth` for signed events).
 */
export function decodeEventMessage(
  message: BrokerMessage,
  options: DecodeBodyOptions = {},
): CeleryEvent[] {
  const body = decodeBody(message, options);
  const list: unknown[] = Array.isArray(body) ? body : [body];
  return list.map((item, i) => {
    const path = Array.isArray(body) ? `body[${i}]` : 'body';
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new DecodeError(path, 'an event must be an object');
    }
    const event = item as Record<string, unknown>;
    if (typeof event['type'] !== 'string')
      throw new DecodeError(`${path}.type`, 'expected a string');
    for (const key of ['timestamp', 'clock', 'pid', 'utcoffset'] as const) {
      const value = event[key];
      if (value !== undefined && value !== null && typeof value !== 'number') {
        throw new DecodeError(`${path}.${key}`, 'expected a number');
      }
    }
    if (event['hostname'] !== undefined && typeof event['hostname'] !== 'string') {
      throw new DecodeError(`${path}.hostname`, 'expected a string');
    }
    return event as CeleryEvent;
  });
}
