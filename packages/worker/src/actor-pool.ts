/**
 * The `async` pool: N executor actors supervised one-for-one by the `pool` supervisor,
 * sharing the event loop. Each request goes to an idle executor inside the request's
 * CONSUMER span. An executor whose handler was abandoned (hard time limit, terminate,
 * cold shutdown) crashes on purpose and the supervisor restarts it before it takes
 * another request; the abandoned promise itself cannot be killed on this pool.
 */
import {
  defineSupervisor,
  type ActorDefinition,
  type ActorRef,
  type ChildSpec,
} from '@celeriac/actors';
import type { ExecutorPool } from './dispatcher.js';
import { abandonRequest, type AbandonReason, type ExecutionResult } from './execute-request.js';
import { defineExecutor, executorTaskKey, type ExecutionInput } from './executor-actor.js';
import { finishRequest } from './finish-request.js';
import type { WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import type { TaskRequest } from './task-request.js';
import { endConsumerSpan, startConsumerSpan } from './telemetry.js';

/** Options of {@link ActorPool}. */
export interface ActorPoolOptions {
  concurrency: number;
  /** Called after each request finished (the dispatcher pumps the next one). */
  onFinished: (request: TaskRequest, result: ExecutionResult | undefined) => void;
  /** Called when a replaced executor is ready again (the dispatcher pumps). */
  onExecutorReady: () => void;
}

interface Slot {
  readonly actor: ActorRef;
  current: TaskRequest | null;
  /** True while the slot's executor is being restarted by the supervisor. */
  replacing: boolean;
}

/** The executors of a worker, as the dispatcher uses them. */
export class ActorPool implements ExecutorPool {
  readonly #rt: WorkerRuntime;
  readonly #options: ActorPoolOptions;
  #slots: Slot[] = [];
  /** Slots with no request, last freed on top (their executors may still be down). */
  #free: Slot[] = [];
  /** Requests between `execute` and `onFinished`. */
  #busy = 0;
  /** Finished requests whose settlement the broker has not confirmed yet. */
  #settling = 0;
  #whenIdle: (() => void)[] = [];
  #replacements = 0;

  constructor(rt: WorkerRuntime, options: ActorPoolOptions) {
    this.#rt = rt;
    this.#options = options;
  }

  /** The `pool` supervisor: one-for-one over `executor-1 … executor-N`. */
  define(): ActorDefinition {
    const executor = defineExecutor(this.#rt);
    const children: ChildSpec[] = Array.from({ length: this.#options.concurrency }, (_, i) => ({
      id: `executor-${i + 1}`,
      actor: executor,
    }));
    return defineSupervisor({
      name: 'pool',
      strategy: 'one-for-one',
      // Replacing an executor after a hard time limit is routine, not a failure storm.
      intensity: { maxRestarts: this.#options.concurrency * 100, withinMs: 60_000 },
      backoff: { initialMs: 0, jitter: 0 },
      children,
    });
  }

  /** Use the executors of a started pool supervisor. */
  bind(poolActor: ActorRef): void {
    const resources = poolActor.resources as Record<string, ActorRef>;
    this.#slots = Array.from({ length: this.#options.concurrency }, (_, i) => ({
      actor: resources[`executor-${i + 1}`]!,
      current: null,
      replacing: false,
    }));
    // Popped from the end: executor-1 takes the first request.
    this.#free = [...this.#slots].reverse();
  }

  /** Number of executors. */
  get concurrency(): number {
    return this.#options.concurrency;
  }

  /** Executors replaced so far. */
  get replacements(): number {
    return this.#replacements;
  }

  /** Executor actors, by slot. */
  executors(): readonly ActorRef[] {
    return this.#slots.map((slot) => slot.actor);
  }

  /** Whether an executor is free now; looks from the most recently freed slot. */
  hasIdle(): boolean {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      if (free[i]!.actor.activity === 'idle') return true;
    }
    return false;
  }

  /** Requests executing now. */
  active(): TaskRequest[] {
    return this.#slots.flatMap((slot) => (slot.current ? [slot.current] : []));
  }

  /** Start `request` on an idle executor. */
  execute(request: TaskRequest, task: RegisteredTask): void {
    const slot = this.#take();
    if (!slot) throw new Error('No idle executor: the dispatcher must check `hasIdle()` first');
    slot.current = request;
    const rt = this.#rt;
    const { span, context } = startConsumerSpan(request, rt.transport.kind, rt.hostname);
    if (span.isRecording()) span.setAttribute('celeriac.actor.path', slot.actor.path);
    const input: ExecutionInput = { request, task, span, context };
    this.#busy++;
    slot.actor.run(executorTaskKey(request.name), input).then(
      () => this.#finished(slot, request, input, undefined),
      (error: unknown) => {
        if (input.result?.abandoned) this.#finished(slot, request, input, undefined);
        else void this.#failedOutside(slot, request, task, input, error);
      },
    );
  }

  /** Cut short running requests (all, or those with `taskId`); returns how many. */
  abandon(reason: AbandonReason, taskId?: string): number {
    let count = 0;
    for (const request of this.active()) {
      if (taskId !== undefined && request.id !== taskId) continue;
      if (abandonRequest(request, reason)) count++;
    }
    return count;
  }

  /** Resolves when no request is running and every finished one's settlement is confirmed. */
  whenIdle(): Promise<void> {
    if (this.#busy === 0 && this.#settling === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  /** A free slot whose executor is idle, taken out of the free list. */
  #take(): Slot | undefined {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      const slot = free[i]!;
      if (slot.actor.activity !== 'idle') continue;
      free[i] = free[free.length - 1]!;
      free.pop();
      return slot;
    }
    return undefined;
  }

  #finished(slot: Slot, request: TaskRequest, input: ExecutionInput, error: unknown): void {
    endConsumerSpan(input.span, error);
    slot.current = null;
    if (input.replaced) this.#awaitReplacement(slot, input.replaced);
    else this.#free.push(slot);
    const confirmed = request.ack.confirmed;
    if (confirmed) {
      this.#settling++;
      confirmed.then(this.#confirmed, this.#confirmed);
    }
    this.#options.onFinished(request, error === undefined ? input.result : undefined);
    this.#busy--;
    this.#notifyIdle();
  }

  readonly #confirmed = (): void => {
    this.#settling--;
    this.#notifyIdle();
  };

  #notifyIdle(): void {
    if (this.#busy !== 0 || this.#settling !== 0 || this.#whenIdle.length === 0) return;
    const waiters = this.#whenIdle;
    this.#whenIdle = [];
    for (const resolve of waiters) resolve();
  }

  /** The executor failed outside the task (a bug, or it went away): the request is lost. */
  async #failedOutside(
    slot: Slot,
    request: TaskRequest,
    task: RegisteredTask,
    input: ExecutionInput,
    error: unknown,
  ): Promise<void> {
    const rt = this.#rt;
    rt.logger.error('Executor failed outside a task', {
      task: request.name,
      id: request.id,
      executor: slot.actor.path,
      error: error instanceof Error ? error.message : String(error),
    });
    if (!request.ack.settled) {
      await finishRequest(rt, task, request, {
        kind: 'lost',
        reason: 'executor failed',
        shutdown: false,
      });
    }
    this.#finished(slot, request, input, error);
  }

  /** Keep the slot out of use until the supervisor has restarted its executor. */
  #awaitReplacement(slot: Slot, replaced: Promise<void>): void {
    slot.replacing = true;
    this.#replacements++;
    this.#rt.logger.warn(`Executor ${slot.actor.path} is being replaced after an abandoned task`);
    void replaced.then(() => {
      slot.replacing = false;
      this.#free.push(slot);
      this.#options.onExecutorReady();
    });
  }
}
