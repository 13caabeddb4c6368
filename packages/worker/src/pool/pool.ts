/**
 * The pool: a supervisor (one-for-one) of executor actors, and the queue of reserved
 * executions waiting for one of them. Which executors are free is read from the
 * executors themselves (activity `idle`), never kept in a list beside them. An
 * execution starts at once on an idle executor, else waits in the reserved queue until
 * one finishes. An executor whose unit is spent (ended from outside, max tasks or memory
 * per child) is restarted by the pool before it takes another request: a fresh unit. An
 * executor that crashed (its unit died on its own) is restarted by the supervisor, with
 * its restart intensity and backoff; the pool serves the queue again once it recovered.
 * The pool grows and shrinks while it runs (`pool_grow`, `pool_shrink`, the autoscaler):
 * executors are added to and removed from the supervisor; shrinking takes idle ones
 * first and retires busy ones as they finish.
 */
import {
  asSupervisor,
  defineSupervisor,
  type ActorDefinition,
  type ActorRef,
  type ChildSpec,
  type SupervisorRef,
  type TransitionRecord,
} from '@celeriac/actors';
import type { Logger } from '../logger.js';
import type { Autoscaler } from './autoscaler.js';
import type { TaskRequest } from '../pipeline/request.js';
import { defineExecutor, runOn, unitOf, type ExecutorDeps } from './executor.js';
import type { EndReason, ExecutionOutcome } from './outcome.js';
import { UnitLostError, type Execution, type PoolKind, type Unit } from './unit.js';

/** How an execution handed to the pool started. */
export type Started =
  | {
      readonly kind: 'running';
      readonly outcome: Promise<ExecutionOutcome>;
      /** PID of the process running it. */
      readonly pid: number;
    }
  /** Taken out of the reserved queue before it started: revoked, or the worker stops. */
  | { readonly kind: 'withdrawn'; readonly reason: 'revoked' | 'drained' };

/** Options of {@link Pool}. */
export interface PoolOptions {
  readonly kind: PoolKind;
  /** Executors at start. */
  readonly concurrency: number;
  /** The most executors it may have (the autoscaler's max, else `concurrency`). */
  readonly maxConcurrency: number;
  /** Told the new size after the pool grew or shrank (the consumer's prefetch follows). */
  readonly onResize: (size: number) => void;
  /** Replace a unit after this many tasks (threads and processes). */
  readonly maxTasksPerChild: number | undefined;
  readonly executor: ExecutorDeps;
  readonly logger: Logger;
}

interface Member {
  readonly actor: ActorRef;
  /** Tasks handed to it (`inspect stats` writes). */
  written: number;
  /** The run's outcome, after the pool saw it (bound once per executor, not per run). */
  readonly done: (outcome: ExecutionOutcome) => ExecutionOutcome;
  readonly crashed: (error: unknown) => ExecutionOutcome;
}

interface Waiter {
  readonly execution: Execution;
  readonly resolve: (started: Started) => void;
}

/** The executors of a worker and its reserved queue. */
export class Pool {
  readonly #options: PoolOptions;
  #members: Member[] = [];
  readonly #waiting: Waiter[] = [];
  #supervisor: SupervisorRef | undefined;
  #executor: ActorDefinition | undefined;
  #nextId: number;
  /** Busy executors to remove once they finish (a shrink found too few idle). */
  #retiring = 0;
  #resizing: Promise<unknown> = Promise.resolve();
  /** Set while autoscaling: `inspect stats` shows it. */
  autoscaler: Autoscaler | undefined;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#nextId = options.concurrency;
  }

  /** The pool kind. */
  get kind(): PoolKind {
    return this.#options.kind;
  }

  /** The `pool` supervisor: one-for-one over `executor-1 … executor-N`. */
  define(): ActorDefinition {
    const executor = defineExecutor(this.#options.executor);
    this.#executor = executor;
    const n = this.#options.concurrency;
    const children: ChildSpec[] = Array.from({ length: n }, (_, i) => ({
      id: `executor-${i + 1}`,
      actor: executor,
    }));
    return defineSupervisor({
      name: 'pool',
      strategy: 'one-for-one',
      // A unit that dies on its own is replaced at once the first times, then slower.
      intensity: { maxRestarts: Math.max(20, this.#options.maxConcurrency * 10), withinMs: 60_000 },
      backoff: { initialMs: 0, maxMs: 5_000, factor: 2, jitter: 0.2 },
      children,
      hooks: {
        // Replaced executors are back once `recovering` ends: serve the queue again.
        afterTransition: (record: TransitionRecord) => {
          if (record.fromActivity?.startsWith('recovering')) this.pump();
        },
      },
    });
  }

  /** Use the executors of the started pool supervisor. */
  bind(supervisor: ActorRef): void {
    this.#supervisor = asSupervisor(supervisor);
    this.#refresh();
    this.pump();
  }

  /** Number of executors. */
  get concurrency(): number {
    return this.#supervisor ? this.#members.length : this.#options.concurrency;
  }

  /** `max-concurrency` of `inspect stats`. */
  get maxConcurrency(): number {
    return this.autoscaler?.max ?? this.concurrency;
  }

  /** Requests waiting for an executor or running on one (the autoscaler's demand). */
  get demand(): number {
    return this.#waiting.length + this.#members.filter((m) => busy(m.actor)).length;
  }

  /** Tasks handed to each executor, in start order (`inspect stats` writes). */
  writes(): number[] {
    return this.#members.map((m) => m.written);
  }

  /** Add `n` executors (`pool_grow`, the autoscaler); resolves once they started. */
  grow(n: number): Promise<void> {
    return this.#serial(async () => {
      const supervisor = this.#supervisor;
      if (supervisor === undefined || this.#executor === undefined) return;
      const cancel = Math.min(n, this.#retiring);
      this.#retiring -= cancel;
      for (let i = cancel; i < n; i++) {
        await supervisor.addChild({ id: `executor-${++this.#nextId}`, actor: this.#executor });
        this.#refresh();
        this.pump();
      }
      this.#options.onResize(this.#members.length - this.#retiring);
    });
  }

  /**
   * Remove `n` executors, never the last one (`pool_shrink`, the autoscaler): idle ones
   * now, busy ones once their task ended. Resolves once the idle ones stopped.
   */
  shrink(n: number): Promise<void> {
    return this.#serial(async () => {
      const supervisor = this.#supervisor;
      if (supervisor === undefined) return;
      let left = Math.max(0, Math.min(n, this.#members.length - this.#retiring - 1));
      // The prefetch shrinks first, so no more is taken than the smaller pool runs.
      this.#options.onResize(this.#members.length - this.#retiring - left);
      for (const member of [...this.#members].reverse()) {
        if (left <= 0) break;
        if (member.actor.activity !== 'idle') continue;
        await this.#remove(member.actor);
        left--;
      }
      this.#retiring += left;
    });
  }

  /** `--max-tasks-per-child`, when set. */
  get maxTasksPerChild(): number | undefined {
    return this.#options.maxTasksPerChild;
  }

  /** The autoscaler's state for `inspect stats`, when autoscaling. */
  autoscalerInfo(): Record<string, unknown> | undefined {
    return this.autoscaler?.info();
  }

  /** The units of the started executors (for `inspect stats`). */
  units(): Unit[] {
    return this.#members.flatMap((m) =>
      m.actor.state.startsWith('started.') ? [unitOf(m.actor)] : [],
    );
  }

  /** Requests waiting for an executor, oldest first. */
  reserved(): TaskRequest[] {
    return this.#waiting.map((w) => w.execution.request);
  }

  /**
   * Start `execution` on an idle executor now; undefined when none is idle or others
   * wait already (then {@link reserve} it). The handler's synchronous part runs inside
   * this call on the async pool.
   */
  start(execution: Execution): Started | undefined {
    if (this.#waiting.length > 0) return undefined;
    const member = this.#idle();
    return member === undefined ? undefined : this.#run(member, execution);
  }

  /** Queue `execution` until an executor is free (or it is withdrawn). */
  reserve(execution: Execution): Promise<Started> {
    // No executor is idle now (`start` looked); each one that frees up, comes back from
    // a restart or recovers serves this queue first.
    return new Promise((resolve) => this.#waiting.push({ execution, resolve }));
  }

  /** Withdraw reserved executions of `taskId` (revoked); returns how many. */
  withdraw(taskId: string): number {
    let count = 0;
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      const waiter = this.#waiting[i]!;
      if (waiter.execution.request.id !== taskId) continue;
      this.#waiting.splice(i, 1);
      waiter.resolve({ kind: 'withdrawn', reason: 'revoked' });
      count++;
    }
    return count;
  }

  /** Withdraw every reserved execution (the worker stops); returns how many. */
  drain(): number {
    const all = this.#waiting.splice(0);
    for (const waiter of all) waiter.resolve({ kind: 'withdrawn', reason: 'drained' });
    return all.length;
  }

  /**
   * End running executions from outside (all, or those of `taskId`); each run then
   * returns the outcome `reason` gives it. Returns how many were ended.
   */
  end(reason: EndReason, taskId?: string): number {
    let count = 0;
    for (const { actor } of this.#members) {
      if (!busy(actor)) continue;
      const unit = unitOf(actor);
      if (taskId !== undefined && unit.current?.id !== taskId) continue;
      if (unit.end(reason)) count++;
    }
    return count;
  }

  /** Hand reserved executions to idle executors. */
  pump(): void {
    while (this.#waiting.length > 0) {
      const member = this.#idle();
      if (member === undefined) return;
      const waiter = this.#waiting.shift()!;
      waiter.resolve(this.#run(member, waiter.execution));
    }
  }

  /** An idle executor whose unit can take a task. */
  #idle(): Member | undefined {
    for (const member of this.#members) {
      if (member.actor.activity !== 'idle') continue;
      // A spent unit is replaced first; a lost one's executor is about to crash.
      const unit = unitOf(member.actor);
      if (unit.spent === undefined && unit.lost === undefined) return member;
    }
    return undefined;
  }

  #run(member: Member, execution: Execution): Started {
    member.written++;
    const pid = unitOf(member.actor).pid;
    const outcome = runOn(member.actor, execution).then(member.done, member.crashed);
    return { kind: 'running', outcome, pid };
  }

  #afterRun(member: Member, outcome: ExecutionOutcome): ExecutionOutcome {
    const actor = member.actor;
    const spent = unitOf(actor).spent;
    if (this.#retiring > 0 && this.#members.length > 1) {
      this.#retiring--;
      void this.#serial(() => this.#remove(actor));
    } else if (spent !== undefined) {
      this.#replace(actor, spent);
    } else if (this.#waiting.length > 0 && actor.activity === 'idle') {
      const waiter = this.#waiting.shift()!;
      waiter.resolve(this.#run(member, waiter.execution));
    }
    return outcome;
  }

  #afterCrash(actor: ActorRef, error: unknown): ExecutionOutcome {
    // The executor crashed (its supervisor replaces it) or was stopped mid-task.
    const cause = (actor.crashError as { cause?: unknown } | undefined)?.cause;
    if (cause instanceof UnitLostError) return cause.outcome;
    const reason = error instanceof Error ? error.message : String(error);
    this.#options.logger.error(`Executor ${actor.path} failed outside its task: ${reason}`);
    return { kind: 'lost', reason: `executor ${actor.path} failed: ${reason}`, shutdown: false };
  }

  /** Restart an executor whose unit is spent: a fresh unit, then serve the queue. */
  #replace(actor: ActorRef, reason: string): void {
    this.#options.logger.warn(`Replacing ${actor.path}: ${reason}`);
    actor.restart().then(
      () => this.pump(),
      (error: unknown) =>
        // It crashed while starting a fresh unit: its supervisor takes over from here.
        this.#options.logger.error(`Could not replace ${actor.path}`, {
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  /** The members, from the supervisor's children (kept per actor across resizes). */
  #refresh(): void {
    const known = new Map(this.#members.map((m) => [m.actor, m]));
    this.#members = this.#supervisor!.children.map((actor) => {
      const old = known.get(actor);
      if (old) return old;
      const member: Member = {
        actor,
        written: 0,
        done: (outcome) => this.#afterRun(member, outcome),
        crashed: (error) => this.#afterCrash(actor, error),
      };
      return member;
    });
  }

  async #remove(actor: ActorRef): Promise<void> {
    try {
      await this.#supervisor!.removeChild(actor.id, { timeoutMs: 5_000 });
    } catch (error) {
      this.#options.logger.error(`Could not remove ${actor.path} from the pool`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.#refresh();
  }

  /** Resizes run one after another. */
  #serial(step: () => Promise<void>): Promise<void> {
    const next = this.#resizing.then(step);
    this.#resizing = next.catch((error: unknown) =>
      this.#options.logger.error('Resizing the pool failed', {
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    return next;
  }
}

function busy(actor: ActorRef): boolean {
  const activity = actor.activity;
  return activity !== undefined && activity !== 'idle';
}
