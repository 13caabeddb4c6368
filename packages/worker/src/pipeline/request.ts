/**
 * A received task message, decoded, and where it is in its lifecycle; also the shape
 * `inspect` reports. The intake (`intake.ts`) owns every request and alone moves it on:
 *
 * ```
 * received → held (ETA, rate limit) → reserved → active → finishing → settled
 *     └──────────────── revoked / expired / rejected ────────────────┘
 * ```
 */
import type { BrokerMessage, Delivery, SignatureJson, TaskProtocol } from '@celeriac/protocol';
import type { Acknowledgement } from './acknowledgement.js';
import type { DeliveryInfo } from '../task-context.js';

/** Where a request is in the worker (a closed lifecycle; only the intake moves it). */
export const RequestPhase = {
  /** Decoded, the task is known; not yet admitted. */
  received: 'received',
  /** Held in memory, unacknowledged: waiting for its ETA or its rate limit. */
  held: 'held',
  /** Waiting for an idle executor. */
  reserved: 'reserved',
  /** Running on an executor. */
  active: 'active',
  /** Its outcome is being stored, announced and followed up. */
  finishing: 'finishing',
  /** Ran, and its message is settled (acked, rejected or requeued). */
  settled: 'settled',
  /** Not run: revoked (by id, or terminated while running), recorded REVOKED. */
  revoked: 'revoked',
  /** Not run: expired, recorded REVOKED `expired`. */
  expired: 'expired',
  /** Not run: refused (unknown task, too deep) or handed back at shutdown. */
  rejected: 'rejected',
} as const;
/** One of the values of {@link RequestPhase}. */
export type RequestPhase = (typeof RequestPhase)[keyof typeof RequestPhase];

/** A task message the worker holds. */
export interface TaskRequest {
  readonly id: string;
  /** Registered name (the `task` header). */
  readonly name: string;
  /** `shadow` header: display name in logs, when set. */
  readonly shadow: string | null;
  /** Protocol the message was written in (v2, or legacy v1 / hybrid). */
  readonly protocol: TaskProtocol;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly retries: number;
  /** Absolute ETA in unix ms, null when none. */
  readonly eta: number | null;
  /** Absolute expiry in unix ms, null when none. */
  readonly expires: number | null;
  /** `timelimit` header `[hard, soft]` in seconds. */
  readonly timeLimit: readonly [number | null, number | null] | undefined;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly groupId: string | null;
  readonly groupIndex: number | null;
  readonly ignoreResult: boolean;
  readonly argsrepr: string;
  readonly kwargsrepr: string;
  /** Every header, for `ctx.headers` and trace context. */
  readonly headers: Record<string, unknown>;
  /** Embed: link callbacks, errbacks, remaining chain (reversed) and chord body. */
  readonly callbacks: readonly SignatureJson[] | null;
  readonly errbacks: readonly SignatureJson[] | null;
  readonly chain: readonly SignatureJson[] | null;
  readonly chord: SignatureJson | null;
  readonly replyTo: string | undefined;
  readonly correlationId: string | undefined;
  readonly priority: number;
  readonly message: BrokerMessage;
  readonly delivery: Delivery;
  readonly ack: Acknowledgement;
  /** When the worker received it (unix ms). */
  readonly receivedAt: number;
  phase: RequestPhase;
  /** When execution began (unix ms), null before. */
  timeStart: number | null;
  /** PID of the process running it (a child's on the processes pool), null before. */
  workerPid: number | null;
}

/** `delivery_info` of a request, as the task context and `inspect` show it. */
export function deliveryInfoOf(request: TaskRequest): DeliveryInfo {
  return {
    exchange: request.delivery.exchange,
    routingKey: request.delivery.routingKey,
    priority: request.priority,
    redelivered: request.delivery.redelivered,
  };
}

/** Celery's `Request.info()` as `inspect active|reserved|scheduled` return it. */
export interface RequestInfo {
  id: string;
  name: string;
  args: unknown;
  kwargs: unknown;
  type: string;
  hostname: string;
  time_start: number | null;
  acknowledged: boolean;
  delivery_info: { exchange: string; routing_key: string; priority: number; redelivered: boolean };
  worker_pid: number | null;
}

/** The inspect view of a request; `safe` shows the reprs instead of the values. */
export function requestInfo(
  request: TaskRequest,
  hostname: string,
  options: { safe?: boolean } = {},
): RequestInfo {
  const info = deliveryInfoOf(request);
  return {
    id: request.id,
    name: request.name,
    args: options.safe ? request.argsrepr : request.args,
    kwargs: options.safe ? request.kwargsrepr : request.kwargs,
    type: request.name,
    hostname,
    time_start: request.timeStart === null ? null : request.timeStart / 1000,
    acknowledged: request.ack.state === 'acked',
    delivery_info: {
      exchange: info.exchange,
      routing_key: info.routingKey,
      priority: info.priority,
      redelivered: info.redelivered,
    },
    worker_pid: request.workerPid,
  };
}
