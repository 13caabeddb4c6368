/**
 * What the cluster state tells its subscribers: one {@link StateChange} per thing that
 * changed — a worker (online, heartbeat, offline, expired), a task (with the event that
 * changed it), an actor tree, a watched queue.
 */
import type { ActorTransition } from './actor-tree.js';
import type { ReceivedEvent } from './event-receiver.js';
import type { TaskInfo } from './task-record.js';
import type { WorkerInfo } from './worker-record.js';

/** Why a worker changed. */
export const WorkerChange = {
  /** First heard from, or heard from again after it was offline. */
  online: 'online',
  heartbeat: 'heartbeat',
  /** It said so (`worker-offline`, a warm shutdown). */
  offline: 'offline',
  /** No heartbeat within 2 × freq (killed, partitioned, stuck). */
  expired: 'expired',
} as const;
/** One of the values of {@link WorkerChange}. */
export type WorkerChange = (typeof WorkerChange)[keyof typeof WorkerChange];

/** A queue the monitor watches. */
export interface WatchedQueue {
  readonly name: string;
  /** Ready messages at the last poll; null before the first or when it failed. */
  readonly length: number | null;
  /** Workers consuming it (from their `active_queues`). */
  readonly consumers: readonly string[];
  /** When the length was read (unix seconds). */
  readonly updatedAt: number | null;
  /** Why the last read failed. */
  readonly error: string | null;
}

/** What changed, for subscribers. */
export type StateChange =
  | { readonly kind: 'worker'; readonly change: WorkerChange; readonly worker: WorkerInfo }
  | {
      readonly kind: 'task';
      readonly task: TaskInfo;
      readonly event: ReceivedEvent;
      /** The task was first seen with this event. */
      readonly created: boolean;
      /** Its state moved (a late event only fills in fields). */
      readonly stateChanged: boolean;
    }
  | {
      readonly kind: 'actors';
      readonly worker: WorkerInfo;
      /** The transition applied; null when the whole tree was (re)loaded. */
      readonly transition: ActorTransition | null;
    }
  | { readonly kind: 'queue'; readonly queue: WatchedQueue };
