/**
 * The intake: the one owner of every request. Each delivery is run forward by one async
 * flow — decode → admit → hold (ETA, rate limit) → wait for an executor → execute →
 * finish → settle — in which every stage returns what happened and only the intake moves
 * the request's phase, acks, rejects or requeues its message. A settlement that fails is
 * logged with the task, its id, its queue and what the transport does next.
 */
import { context, type Span } from '@opentelemetry/api';
import type { AuthSerializer, Delivery } from '@celeriac/protocol';
import type { LimitedSet } from './limited-set.js';
import { TaskEventType } from '../control/events.js';
import type { Pool, Started } from '../pool/pool.js';
import type { Execution } from '../pool/unit.js';
import type { ExecutionOutcome } from '../pool/outcome.js';
import type { WorkerMetrics } from '../worker-metrics.js';
import { endConsumerSpan, recordOutcome, startConsumerSpan } from '../telemetry.js';
import { Acknowledgement, Settlement, settleFailure, type SettleAs } from './acknowledgement.js';
import { decodeRequest, Refusal } from './decode.js';
import { EtaTimer, type Release } from './eta-timer.js';
import { discard, finish, finishedQuietly, type FinishDeps } from './finish.js';
import { RateLimiter } from './rate-limiter.js';
import { refuseMessage, refuseUnknown } from './refuse.js';
import { RequestPhase, type TaskRequest } from './request.js';
import { outcomeSignalsConnected, sendOutcome, sendPrerun, sendRevoked } from './task-signals.js';
import type { RegisteredTask, TaskRegistry } from './task-registry.js';

/** Messages held in memory raise the consumer's prefetch by one each (Celery's QoS). */
export interface HeldMessages {
  hold(delta: 1 | -1): void;
}

/** What the intake needs from the worker. */
export interface IntakeDeps extends FinishDeps {
  /** Content types accepted. */
  readonly accept: readonly string[];
  /** Verifies signed task bodies; with it, unsigned ones are refused. */
  readonly auth?: AuthSerializer;
  readonly registry: TaskRegistry;
  readonly revoked: LimitedSet;
  readonly pool: Pool;
  readonly held: HeldMessages;
  /** Where processed tasks are measured (none in some tests). */
  readonly metrics?: WorkerMetrics;
}

/** Owns the requests of one worker, from delivery to settlement. */
export class Intake {
  readonly #deps: IntakeDeps;
  readonly #owned = new Set<TaskRequest>();
  readonly timer: EtaTimer;
  readonly rateLimiter: RateLimiter;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(deps: IntakeDeps) {
    this.#deps = deps;
    this.timer = new EtaTimer(deps.clock);
    this.rateLimiter = new RateLimiter(deps.clock);
  }

  /** Every request not settled yet, in arrival order. */
  owned(): Iterable<TaskRequest> {
    return this.#owned;
  }

  /** Requests running on an executor. */
  active(): TaskRequest[] {
    return [...this.#owned].filter((r) => r.phase === RequestPhase.active);
  }

  /** How many requests run on an executor (heartbeats). */
  activeCount(): number {
    let n = 0;
    for (const request of this.#owned) if (request.phase === RequestPhase.active) n++;
    return n;
  }

  /** Requests waiting for an executor, oldest first. */
  reserved(): TaskRequest[] {
    return this.#deps.pool.reserved();
  }

  /** Handle one delivery from the consumer. Never throws. */
  onDelivery(delivery: Delivery): void {
    if (this.#closed) {
      // Shutting down: straight back to the broker for another worker.
      void this.#settle(undefined, delivery, Settlement.requeued);
      return;
    }
    const deps = this.#deps;
    const decoded = decodeRequest(delivery, deps.accept, deps.clock.now(), deps.auth);
    if (decoded instanceof Refusal) {
      void this.#refuse(delivery, decoded);
      return;
    }
    this.#owned.add(decoded);
    void this.#flow(decoded);
  }

  /** Revoke `taskId` where it waits (timer, rate limit, reserved): its flow discards it. */
  withdraw(taskId: string): number {
    return (
      this.timer.withdraw(taskId) +
      this.rateLimiter.withdraw(taskId) +
      this.#deps.pool.withdraw(taskId)
    );
  }

  /**
   * Stop taking requests (shutdown): new deliveries go back to the broker, and every
   * request not started yet (held, reserved) is handed back by its flow. Returns how
   * many were.
   */
  close(): number {
    this.#closed = true;
    return this.timer.drain() + this.rateLimiter.drain() + this.#deps.pool.drain();
  }

  /** Take requests again (after a restart of the consumer). */
  reopen(): void {
    this.#closed = false;
  }

  /** Resolves once no request is owned (all settled). */
  whenIdle(): Promise<void> {
    if (this.#owned.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * The life of one request, start to end, each stage called forward with what the
   * previous one returned. Written as one function on purpose: every stage is a call
   * below, and a request costs one async frame, not one per stage.
   */
  async #flow(request: TaskRequest): Promise<void> {
    const deps = this.#deps;
    let how: SettleAs;
    try {
      const task = deps.registry.get(request.name);
      if (task === undefined) {
        request.phase = RequestPhase.rejected;
        how = await refuseUnknown(deps, request);
      } else {
        this.#received(request);
        const admitted = this.#admit(request);
        if (admitted !== 'ready') {
          how = await this.#discard(request, task, admitted);
        } else {
          let release: Release = 'due';
          if (request.eta !== null && request.eta > request.receivedAt) {
            release = await this.#hold(request, this.timer.hold(request));
          }
          const perMs = task.options.rateLimitPerMs;
          if (release === 'due' && perMs !== null && !this.rateLimiter.admit(request, perMs)) {
            release = await this.#hold(request, this.rateLimiter.wait(request, perMs));
          }
          if (release !== 'due') {
            how = await this.#withdrawn(request, task, release);
          } else {
            // Wait for an executor, run, finish: stages called from here, so that a
            // task costs this one async frame.
            const run = this.#begin(request, task);
            const prerun = sendPrerun(request, deps.hostname, deps.logger);
            if (prerun) await prerun;
            request.phase = RequestPhase.reserved;
            const started = deps.pool.start(run) ?? (await deps.pool.reserve(run));
            how =
              started.kind === 'withdrawn'
                ? await this.#notStarted(run, started.reason)
                : await this.#ran(run, await this.#running(run, started));
          }
        }
      }
    } catch (error) {
      // A bug in a stage: the message is dropped rather than run again forever.
      deps.logger.error(
        `Internal error while handling ${request.name}[${request.id}]; its message is rejected`,
        {
          task: request.name,
          id: request.id,
          queue: request.delivery.queue,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        },
      );
      how = Settlement.rejected;
    }
    // The settlement awaited here rather than through `#settle`: one promise less a task.
    const error = await request.ack.settle(how);
    if (error !== undefined) this.#settleFailed(request.delivery, request, how, error);
    if (request.phase === RequestPhase.finishing) request.phase = RequestPhase.settled;
    this.#owned.delete(request);
    if (this.#owned.size === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Whether a received request may go on: not revoked, not expired. */
  #admit(request: TaskRequest): 'ready' | 'revoked' | 'expired' {
    if (this.#deps.revoked.has(request.id)) return 'revoked';
    if (request.expires !== null && request.expires <= request.receivedAt) return 'expired';
    return 'ready';
  }

  async #hold(request: TaskRequest, release: Promise<Release>): Promise<Release> {
    request.phase = RequestPhase.held;
    this.#deps.held.hold(1);
    const why = await release;
    this.#deps.held.hold(-1);
    return why;
  }

  /** The request's CONSUMER span and what the pool runs. */
  #begin(request: TaskRequest, task: RegisteredTask): Run {
    const deps = this.#deps;
    const { span, context } = startConsumerSpan(request, deps.transport.kind, deps.hostname);
    return { request, task, context, span };
  }

  /** Taken out of the reserved queue before an executor took it. */
  #notStarted(run: Run, why: Exclude<Release, 'due'>): Promise<SettleAs> | SettleAs {
    endConsumerSpan(run.span);
    return this.#withdrawn(run.request, run.task, why);
  }

  /** An executor took the request: it is active; resolves with its outcome. */
  #running(run: Run, started: Running): Promise<ExecutionOutcome> {
    const deps = this.#deps;
    const request = run.request;
    request.phase = RequestPhase.active;
    request.timeStart = deps.clock.now();
    request.workerPid = started.pid;
    // Celery acks early once the pool accepted the task.
    if (!run.task.options.acksLate) void request.ack.settle(Settlement.acked);
    if (deps.events.enabled) deps.events.send(TaskEventType.started, { uuid: request.id });
    return started.outcome;
  }

  /** After the run: finish, end the span, measure; returns how the message is settled. */
  #ran(run: Run, outcome: ExecutionOutcome): Promise<SettleAs> | SettleAs {
    const deps = this.#deps;
    const { request, task, span } = run;
    request.phase = RequestPhase.finishing;
    recordOutcome(span, outcome.kind, errorOf(outcome));
    if (outcome.kind === 'revoked') {
      request.phase = outcome.reason === 'expired' ? RequestPhase.expired : RequestPhase.revoked;
    }
    const quick = finishedQuietly(deps, request, task, outcome);
    if (quick === undefined || outcomeSignalsConnected()) return this.#finish(run, outcome, quick);
    endConsumerSpan(span);
    deps.metrics?.processed(request, outcome, deps.clock.now());
    return quick;
  }

  async #finish(
    run: Run,
    outcome: ExecutionOutcome,
    quick: SettleAs | undefined,
  ): Promise<SettleAs> {
    const deps = this.#deps;
    const { request, task, span, context: spanContext } = run;
    // Follow-ups are sent inside the CONSUMER span, so a workflow stays one trace.
    const how =
      quick ??
      (spanContext === context.active()
        ? await finish(deps, request, task, outcome)
        : await context.with(spanContext, finish, undefined, deps, request, task, outcome));
    endConsumerSpan(span);
    deps.metrics?.processed(request, outcome, deps.clock.now());
    if (outcomeSignalsConnected()) {
      await sendOutcome(request, outcome, deps.hostname, deps.logger);
    }
    return how;
  }

  #discard(
    request: TaskRequest,
    task: RegisteredTask,
    reason: 'revoked' | 'expired',
  ): Promise<SettleAs> {
    request.phase = reason === 'expired' ? RequestPhase.expired : RequestPhase.revoked;
    const deps = this.#deps;
    const how = discard(deps, request, task, reason);
    if (!outcomeSignalsConnected()) return how;
    return how.then(async (settleAs) => {
      await sendRevoked(request, deps.hostname, deps.logger, reason);
      return settleAs;
    });
  }

  /** A request taken back before it started: revoked, or handed back at shutdown. */
  #withdrawn(
    request: TaskRequest,
    task: RegisteredTask,
    why: Exclude<Release, 'due'>,
  ): Promise<SettleAs> | SettleAs {
    if (why === 'revoked') return this.#discard(request, task, 'revoked');
    request.phase = RequestPhase.rejected;
    return Settlement.requeued;
  }

  #received(request: TaskRequest): void {
    const deps = this.#deps;
    if (deps.events.enabled) {
      deps.events.send(TaskEventType.received, {
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
    if (deps.logInfo) deps.logger.info(`Task ${request.name}[${request.id}] received`);
  }

  async #refuse(delivery: Delivery, refusal: Refusal): Promise<void> {
    const how = await refuseMessage(
      this.#deps,
      refusal,
      delivery.queue,
      delivery.message.contentType,
    );
    await this.#settle(refusal.request, delivery, how);
  }

  /** Apply a settlement; a failure is logged with what the transport does next. */
  async #settle(
    request: TaskRequest | undefined,
    delivery: Delivery,
    how: SettleAs,
  ): Promise<void> {
    const error = await (request?.ack ?? new Acknowledgement(delivery)).settle(how);
    if (error !== undefined) this.#settleFailed(delivery, request, how, error);
  }

  #settleFailed(
    delivery: Delivery,
    request: TaskRequest | undefined,
    how: SettleAs,
    error: unknown,
  ): void {
    const queue = delivery.queue;
    const headers = delivery.message.headers;
    const name = request?.name ?? String(headers.task);
    const id = request?.id ?? String(headers.id);
    this.#deps.logger.error(
      settleFailure(this.#deps.transport.kind, request?.ack.state ?? how, name, id, error),
      { task: name, id, queue },
    );
  }
}

/** A request handed to the pool, with its CONSUMER span. */
interface Run extends Execution {
  readonly span: Span;
}

/** A start of the pool's that got an executor. */
type Running = Extract<Started, { kind: 'running' }>;

function errorOf(outcome: ExecutionOutcome): unknown {
  switch (outcome.kind) {
    case 'failure':
      return outcome.error;
    case 'time-limit':
      return `hard time limit (${outcome.seconds}s) exceeded`;
    case 'lost':
      return outcome.reason;
    default:
      return undefined;
  }
}
