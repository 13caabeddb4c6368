/**
 * What the lifecycle statechart of one actor calls into (its only context): the phases
 * (dependencies, resources, draining and releasing), the activity region's entry and
 * exit, the crash and settle bookkeeping, and the notes a stop collects for its report.
 * The actor's handle (`actor.ts`) owns the triggers; this owns what they set in motion.
 */
import type { ActorInstance } from './actor.js';
import { DependencyLinks } from './dependencies.js';
import { ActorError, StepAbandonedError } from './errors.js';
import type { ResourceReleaseError } from './errors.js';
import { startHealthProbe } from './health-probe.js';
import type { LifecycleEvent, LifecycleRuntime } from './machine.js';
import { PendingTriggers } from './pending-triggers.js';
import { ResourceHolder } from './resource.js';
import type { ResourceMap } from './resource.js';
import type { ActivityState, ExitReason } from './state.js';
import { StopNotes } from './stop-report.js';
import { TaskRunner } from './task-runner.js';

/** Default bound on how long a stop waits for the step in flight (OTP's default, 5 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

const RESOLVED = Promise.resolve();

/** The runtime state of one actor behind its statechart. */
export class ActorLifecycle<R extends ResourceMap, T extends string> implements LifecycleRuntime {
  readonly actor: ActorInstance<R, T>;
  readonly pending: PendingTriggers;
  readonly dependencies: DependencyLinks | undefined;
  /** Started dependents holding this actor (as their dependency). */
  dependents = 0;
  activity: ActivityState | undefined;
  resources: ResourceHolder | undefined;
  tasks: TaskRunner<R, T> | undefined;
  crashError: unknown;
  stopError: ResourceReleaseError | undefined;
  /** The shutdown timeout given at spawn (a child spec's), over the definition's. */
  readonly shutdownOverrideMs: number | undefined;
  /** The bound of the stop or restart in progress, when its caller gave one. */
  boundMs: number | undefined;
  /** Why `started` is being left: the abandoned-step report says so. */
  exitBy: ExitReason = 'stop';
  /** What the stop (or restart, or crash release) in progress did. */
  notes = new StopNotes();

  constructor(
    actor: ActorInstance<R, T>,
    dependencies: readonly ActorInstance[],
    shutdownTimeoutMs: number | undefined,
  ) {
    this.actor = actor;
    this.pending = new PendingTriggers(actor.path);
    if (dependencies.length > 0) {
      this.dependencies = new DependencyLinks(actor.path, dependencies);
    }
    this.shutdownOverrideMs = shutdownTimeoutMs;
  }

  /** The shutdown timeout that applies when the caller gives none. */
  get shutdownTimeoutMs(): number {
    return (
      this.shutdownOverrideMs ??
      this.actor.definition.spec.shutdownTimeoutMs ??
      DEFAULT_SHUTDOWN_TIMEOUT_MS
    );
  }

  /** A stop, restart or crash begins: fresh notes, and the caller's bound if it gave one. */
  beginExit(by: ExitReason, timeoutMs: number | undefined): void {
    this.exitBy = by;
    this.boundMs = timeoutMs;
    this.notes = new StopNotes();
  }

  startDependencies(): Promise<void> {
    return this.dependencies?.start() ?? RESOLVED;
  }

  async acquireResources(): Promise<void> {
    const actor = this.actor;
    const specs = actor.definition.spec.resources;
    if (specs === undefined) return;
    this.resources ??= new ResourceHolder();
    const timeoutMs = actor.definition.spec.resourceTimeoutMs ?? 30_000;
    const scope = await this.resources.acquire(actor, actor.core.clock, specs, timeoutMs);
    if (!scope.closed) await actor.acquireMore(scope);
  }

  startTasks(): Promise<void> {
    return RESOLVED;
  }

  async drainTasks(): Promise<void> {
    const tasks = this.tasks;
    if (tasks === undefined) return;
    const cutShort = await tasks.drain(this.boundMs ?? this.shutdownTimeoutMs);
    if (cutShort === undefined) return;
    const { task, attempt, timeoutMs } = cutShort;
    const error = new StepAbandonedError(this.actor.path, task, attempt, timeoutMs, this.exitBy);
    this.notes.abandoned = { task, attempt, timeoutMs, reason: error.message, error };
    this.actor.reportError(error);
  }

  async releaseResources(reason: ExitReason): Promise<void> {
    const scope = this.resources?.scope;
    try {
      await this.resources?.release(reason);
    } catch (error) {
      if (reason !== 'stop') throw error;
      this.stopError = error as ResourceReleaseError;
      this.actor.reportError(error);
    } finally {
      if (scope?.interrupted !== undefined) this.notes.interruptedAcquire = scope.interrupted;
    }
  }

  releaseDependencies(): Promise<void> {
    return this.dependencies?.release((error) => this.actor.reportError(error)) ?? RESOLVED;
  }

  async releaseAfterCrash(): Promise<void> {
    await this.drainTasks();
    try {
      await this.releaseResources('crash');
    } catch (error) {
      if (this.crashError instanceof ActorError) {
        this.crashError.releaseError = error as ResourceReleaseError;
      }
      this.actor.reportError(error);
    }
  }

  enterActivity(event: string): void {
    if (this.actor.definition.taskNames.length === 0) {
      this.activity = 'idle';
      return;
    }
    this.activity = (this.tasks ??= new TaskRunner(this.actor)).enter(event);
  }

  exitActivity(): void {
    this.activity = undefined;
    this.tasks?.exit();
  }

  gateChanged(event: string): void {
    this.tasks?.gateChanged(event);
  }

  startHealthProbe(send: (event: LifecycleEvent) => void): () => void {
    return startHealthProbe(this.actor, (event) => {
      send(event);
      this.tasks?.flush();
    });
  }

  recordCrash(error: unknown): void {
    this.beginExit('crash', undefined);
    this.crashError = error;
    this.actor.reportError(error);
    this.tasks?.interrupt('crash');
  }

  crashSettled(): void {
    const actor = this.actor;
    const error = this.crashError;
    if (actor.span !== undefined) actor.core.telemetry.end(actor.span, 'crashed', error);
    actor.span = undefined;
    if (this.pending.crashed(error)) return;
    if (actor.link !== undefined) actor.link(actor, { reason: 'crashed', error });
    else actor.core.unhandled(error, actor);
  }

  settled(state: 'started' | 'stopped'): void {
    this.boundMs = undefined;
    if (state === 'started') {
      this.pending.started();
      return;
    }
    const actor = this.actor;
    const error = this.stopError;
    this.stopError = undefined;
    if (!this.pending.stopped(this.notes.report(actor.path), error)) {
      actor.core.unhandled(error, actor);
    }
    if (actor.link !== undefined && !actor.stoppingBySupervisor) {
      actor.link(actor, { reason: 'stopped' });
    }
  }
}
