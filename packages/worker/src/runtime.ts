/**
 * What every part of a running worker shares: identity, clock, logger, registry, result
 * writer, event sink, revoked ids, counters. Built once by `createWorker`.
 */
import type { ResultBackend, SignatureJson, Transport } from '@celeriac/protocol';
import type { WorkerClock } from './clock.js';
import type { LimitedSet } from './limited-set.js';
import type { Logger } from './logger.js';
import type { ResultWriter } from './result-writer.js';
import type { TaskRegistry } from './task-registry.js';
import type { TaskRequest } from './task-request.js';

/** Celery task event types the worker sends. */
export const TaskEventType = {
  received: 'task-received',
  started: 'task-started',
  succeeded: 'task-succeeded',
  failed: 'task-failed',
  retried: 'task-retried',
  revoked: 'task-revoked',
  rejected: 'task-rejected',
} as const;
/** One of the values of {@link TaskEventType}. */
export type TaskEventType = (typeof TaskEventType)[keyof typeof TaskEventType];

/** Where task events go (the events actor, or nowhere when events are off). */
export interface TaskEventSink {
  /** `false` when task events are dropped: senders may skip building them. */
  readonly enabled?: boolean;
  send(type: TaskEventType, fields: Record<string, unknown>): void;
}

/** Counters behind `inspect stats` and heartbeats. */
export interface WorkerStats {
  /** Tasks finished per name. */
  readonly total: Map<string, number>;
  /** Tasks finished in all. */
  processed: number;
  /** When the worker started (unix ms). */
  startedAt: number;
}

/** The shared state of one worker. */
export interface WorkerRuntime {
  readonly hostname: string;
  readonly pid: number;
  readonly clock: WorkerClock;
  readonly logger: Logger;
  readonly registry: TaskRegistry;
  readonly results: ResultWriter;
  /** The result backend itself, for chord counting (`chord-completion.ts`). */
  readonly backend?: ResultBackend;
  readonly events: TaskEventSink;
  readonly revoked: LimitedSet;
  readonly transport: Transport;
  readonly stats: WorkerStats;
  /** Requests executing now, by task id. */
  readonly active: Map<string, TaskRequest>;
  /** Send link callbacks and chain steps (the client's job). */
  readonly sendSignature: (signature: unknown, options: FollowUpOptions) => Promise<void>;
}

/** How a follow-up signature (callback, errback, next chain step) is sent. */
export interface FollowUpOptions {
  /** Arguments to prepend unless the signature is immutable. */
  prependArgs: unknown[];
  parentId: string;
  rootId: string;
  /** Remaining chain (reversed) for a chain step. */
  chain?: SignatureJson[];
}
