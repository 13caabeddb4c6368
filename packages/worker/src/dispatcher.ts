/**
 * From delivery to executor: decode, refuse what cannot run (undecodable, disallowed
 * content, unknown task), discard revoked and expired tasks, hold ETAs in the timer and
 * rate-limited tasks in their lane, queue the rest as reserved and hand them to idle
 * executors. Every refusal is logged with task name, id, queue and reason.
 */
import { ContentDisallowedError, DecodeError, type Delivery } from '@celeriac/protocol';
import { NotRegistered } from './errors.js';
import { Acknowledgement } from './acknowledgement.js';
import { decodeRequest, peekHeaders } from './decode-request.js';
import { EtaTimer } from './eta-timer.js';
import { recordRevoked, safeRepr } from './finish-request.js';
import { RateLimiter } from './rate-limiter.js';
import { TaskEventType, type WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import { RequestPhase, type TaskRequest } from './task-request.js';

function makeAck(delivery: Delivery): Acknowledgement {
  return new Acknowledgement(delivery);
}

/** The executors, as the dispatcher sees them. */
export interface ExecutorPool {
  /** Whether an executor is free now. */
  hasIdle(): boolean;
  /**
   * Run `request` on an idle executor (only called when `hasIdle()`). The handler's
   * synchronous part runs inside this call, so the dispatcher takes `request` out of the
   * reserved queue first: user code that re-enters the dispatcher must not see it there.
   */
  execute(request: TaskRequest, task: RegisteredTask): void;
}

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  /** Content types accepted (default `['application/json']`). */
  accept: readonly string[];
  /** Called with +1/-1 as ETA and rate-limited requests are held (prefetch bump). */
  onHeldChange: (delta: number) => void;
}

/** Routes deliveries to the timer, the rate limiter, the reserved queue and the pool. */
export class Dispatcher {
  readonly #rt: WorkerRuntime;
  readonly #options: DispatcherOptions;
  readonly #reserved: TaskRequest[] = [];
  readonly timer: EtaTimer;
  readonly rateLimiter: RateLimiter;
  #pool: ExecutorPool | undefined;
  /** Unsettled requests by delivery, so shutdown can hand them back. */
  readonly #held = new Set<TaskRequest>();

  constructor(rt: WorkerRuntime, options: DispatcherOptions) {
    this.#rt = rt;
    this.#options = options;
    this.timer = new EtaTimer({
      clock: rt.clock,
      onDue: (request) => this.#ready(request),
      onHeldChange: options.onHeldChange,
    });
    this.rateLimiter = new RateLimiter({
      clock: rt.clock,
      onReady: (request) => this.#reserve(request),
      onHeldChange: options.onHeldChange,
    });
  }

  /** Attach the executors (the pool starts after the dispatcher exists). */
  attach(pool: ExecutorPool | undefined): void {
    this.#pool = pool;
    this.pump();
  }

  /** Requests received and waiting for an executor, oldest first. */
  reserved(): readonly TaskRequest[] {
    return this.#reserved;
  }

  /** Every request not yet settled: reserved, scheduled, rate-limited, active. */
  unsettled(): TaskRequest[] {
    return [...this.#held].filter((request) => !request.ack.settled);
  }

  /** Set while the worker shuts down: new deliveries go straight back to the broker. */
  closed = false;

  /** Handle one delivery from the consumer. Never throws. */
  onDelivery(delivery: Delivery): void {
    const rt = this.#rt;
    if (this.closed) {
      delivery.reject({ requeue: true }).catch(() => {});
      return;
    }
    const now = rt.clock.now();
    let request: TaskRequest;
    try {
      request = decodeRequest(delivery, { accept: this.#options.accept, now, makeAck });
    } catch (error) {
      this.#refuseUndecodable(delivery, error);
      return;
    }
    const task = rt.registry.get(request.name);
    if (!task) {
      void this.#refuseUnknown(request);
      return;
    }
    this.#held.add(request);
    if (rt.events.enabled !== false) this.#received(request);
    rt.logger.debug(`Task received: ${request.name}[${request.id}]`, {
      task: request.name,
      id: request.id,
      queue: delivery.queue,
    });
    if (rt.revoked.has(request.id)) {
      void this.discard(request, 'revoked');
    } else if (request.expires !== null && request.expires <= now) {
      void this.discard(request, 'expired');
    } else if (request.eta !== null && request.eta > now) {
      this.timer.schedule(request);
    } else {
      this.#ready(request);
    }
  }

  /** Record REVOKED for a request that will not run, and ack it. */
  async discard(request: TaskRequest, reason: 'revoked' | 'expired'): Promise<void> {
    const task = this.#rt.registry.get(request.name);
    const store = !request.ignoreResult && !(task?.options.ignoreResult ?? false);
    request.phase = RequestPhase.done;
    this.#held.delete(request);
    await recordRevoked(this.#rt, request, reason, store);
    await request.ack.ack().catch(() => {});
  }

  /** Take a revoked id out of the reserved queue, timer and rate limiter; discard them. */
  revoke(taskId: string): number {
    const taken = [
      ...this.timer.take(taskId),
      ...this.rateLimiter.take(taskId),
      ...this.#reserved.filter((r) => r.id === taskId),
    ];
    for (let i = this.#reserved.length - 1; i >= 0; i--) {
      if (this.#reserved[i]!.id === taskId) this.#reserved.splice(i, 1);
    }
    for (const request of taken) void this.discard(request, 'revoked');
    return taken.length;
  }

  /** Forget a finished request. */
  done(request: TaskRequest): void {
    this.#held.delete(request);
    this.pump();
  }

  /** Hand reserved requests to idle executors. */
  pump(): void {
    const pool = this.#pool;
    if (!pool) return;
    while (this.#reserved.length > 0 && pool.hasIdle()) {
      const request = this.#reserved.shift()!;
      const task = this.#rt.registry.get(request.name);
      if (!task) continue;
      pool.execute(request, task);
    }
  }

  /**
   * Take every request that has not started (reserved, scheduled, rate-limited) out of
   * the worker, for warm shutdown: the caller hands them back to the broker.
   */
  drainUnstarted(): TaskRequest[] {
    const drained = [
      ...this.#reserved.splice(0),
      ...this.timer.drain(),
      ...this.rateLimiter.drain(),
    ];
    for (const request of drained) this.#held.delete(request);
    return drained;
  }

  #ready(request: TaskRequest): void {
    const task = this.#rt.registry.get(request.name);
    if (!task) return;
    if (this.rateLimiter.admit(request, task.options.rateLimitPerMs)) this.#reserve(request);
  }

  #reserve(request: TaskRequest): void {
    request.phase = RequestPhase.reserved;
    this.#reserved.push(request);
    this.pump();
  }

  #received(request: TaskRequest): void {
    this.#rt.events.send(TaskEventType.received, {
      uuid: request.id,
      name: request.name,
      args: request.argsrepr,
      kwargs: request.kwargsrepr,
      root_id: request.rootId,
      parent_id: request.parentId,
      retries: request.retries,
      eta: request.headers.eta ?? null,
      expires: request.headers.expires ?? null,
    });
  }

  #refuseUndecodable(delivery: Delivery, error: unknown): void {
    const rt = this.#rt;
    const peek = peekHeaders(delivery.message);
    const reason =
      error instanceof ContentDisallowedError || error instanceof DecodeError
        ? error.message
        : `undecodable message: ${error instanceof Error ? error.message : String(error)}`;
    rt.logger.error(`Rejecting message: ${reason}`, {
      task: peek.name,
      id: peek.id,
      queue: delivery.queue,
      contentType: delivery.message.contentType,
      path: error instanceof DecodeError ? error.path : undefined,
      reason,
    });
    rt.events.send(TaskEventType.rejected, { uuid: peek.id ?? null, requeue: false });
    delivery.reject({ requeue: false }).catch(() => {});
  }

  async #refuseUnknown(request: TaskRequest): Promise<void> {
    const rt = this.#rt;
    const error = new NotRegistered(request.name);
    rt.logger.error(
      `Received unregistered task of type ${JSON.stringify(request.name)}. The message has been ` +
        'ignored and discarded: did you register the task on this worker?',
      {
        task: request.name,
        id: request.id,
        queue: request.delivery.queue,
        reason: 'not registered',
      },
    );
    if (!request.ignoreResult) await rt.results.failure(request, error);
    rt.events.send(TaskEventType.failed, {
      uuid: request.id,
      exception: safeRepr(error),
      traceback: null,
    });
    await request.ack.reject(false).catch(() => {});
  }
}
