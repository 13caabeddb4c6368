/**
 * The `async` pool: N executor actors under the `pool` actor, sharing the event loop. It
 * hands each request to an idle executor inside the request's CONSUMER span. An executor
 * whose handler was abandoned (hard time limit, terminate, cold shutdown) is restarted —
 * replaced — before it takes another request; the abandoned promise cannot be killed.
 */
import type { ActorDefinition, ActorRef, ActorSystem } from '@celeriac/actors';
import type { ExecutorPool } from './dispatcher.js';
import { abandonRequest, type AbandonReason, type ExecutionResult } from './execute-request.js';
import { executorTaskKey, type ExecutionInput, type NoResources } from './executor-actor.js';
import { finishRequest } from './finish-request.js';
import type { WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import type { TaskRequest } from './task-request.js';
import { withConsumerSpan } from './telemetry.js';

/** Options of {@link ActorPool}. */
export interface ActorPoolOptions {
  concurrency: number;
  /** Called after each request finished (the dispatcher pumps the next one). */
  onFinished: (request: TaskRequest, result: ExecutionResult | undefined) => void;
}

interface Slot {
  readonly index: number;
  actor: ActorRef;
  current: TaskRequest | null;
  /** True while the slot's executor is being replaced. */
  replacing: boolean;
}

/** The executors of a worker. */
export class ActorPool implements ExecutorPool {
  readonly #rt: WorkerRuntime;
  readonly #options: ActorPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #running = new Set<Promise<void>>();
  #replacements = 0;

  constructor(rt: WorkerRuntime, options: ActorPoolOptions) {
    this.#rt = rt;
    this.#options = options;
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

  /** Spawn and start the executors under `parent`. */
  async start(
    system: ActorSystem,
    definition: ActorDefinition<NoResources, string>,
    parent: ActorRef,
  ): Promise<void> {
    for (let index = 0; index < this.#options.concurrency; index++) {
      const actor = system.spawn(definition, { id: `executor-${index + 1}`, parent });
      this.#slots.push({ index, actor, current: null, replacing: false });
    }
    await Promise.all(this.#slots.map((slot) => slot.actor.start()));
  }

  /** Stop every executor (after {@link whenIdle}). */
  async stop(): Promise<void> {
    await Promise.allSettled(this.#slots.map((slot) => slot.actor.stop()));
  }

  /** Executors free to take a request. */
  get idle(): number {
    let n = 0;
    for (const slot of this.#slots) if (slot.current === null && !slot.replacing) n++;
    return n;
  }

  /** Requests executing now. */
  active(): TaskRequest[] {
    return this.#slots.flatMap((slot) => (slot.current ? [slot.current] : []));
  }

  /** Start `request` on an idle executor. */
  execute(request: TaskRequest, task: RegisteredTask): void {
    const slot = this.#slots.find((s) => s.current === null && !s.replacing);
    if (!slot) throw new Error('No idle executor: the dispatcher must check `idle` first');
    slot.current = request;
    const rt = this.#rt;
    const run = withConsumerSpan(request, rt.transport.kind, rt.hostname, async (span) => {
      span.setAttribute('celeriac.actor.path', slot.actor.path);
      const input: ExecutionInput = { request, task, span };
      return (await slot.actor.run(executorTaskKey(request.name), input)) as ExecutionResult;
    }).then(
      async (result) => {
        slot.current = null;
        if (result.abandoned) await this.#replace(slot);
        this.#options.onFinished(request, result);
      },
      async (error: unknown) => {
        rt.logger.error('Executor failed outside a task; replacing it', {
          task: request.name,
          id: request.id,
          executor: slot.actor.path,
          error: error instanceof Error ? error.message : String(error),
        });
        slot.current = null;
        if (!request.ack.settled) {
          await finishRequest(rt, task, request, { kind: 'lost', reason: 'executor failed' });
        }
        await this.#replace(slot);
        this.#options.onFinished(request, undefined);
      },
    );
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
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

  /** Resolves when no request is running. */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #replace(slot: Slot): Promise<void> {
    slot.replacing = true;
    this.#replacements++;
    this.#rt.logger.warn(`Replacing executor ${slot.actor.path} after an abandoned task`);
    try {
      await slot.actor.restart();
    } catch (error) {
      this.#rt.logger.error('Could not restart an executor', {
        executor: slot.actor.path,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      slot.replacing = false;
    }
  }
}
