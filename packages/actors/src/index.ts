/**
 * @celeriac/actors — the actor runtime on XState v5: a hierarchical lifecycle statechart
 * per actor, actor tasks that extend it, declared resources released in reverse order,
 * dependencies, health, supervisors, an actor system with tree paths, an injected clock,
 * one inspection stream, and OpenTelemetry spans. Knows nothing of Celery or brokers.
 *
 * @example
 * ```ts
 * import { SimulatedClock, createActorSystem, defineActor, defineSupervisor } from '@celeriac/actors';
 *
 * const feed: string[] = ['a', 'b'];
 * const poller = defineActor({
 *   name: 'feed-poller',
 *   resources: {
 *     store: { acquire: () => new Map<string, number>(), release: (m) => m.clear() },
 *   },
 *   tasks: {
 *     polling: {
 *       run: async ({ next, sleep }) => {
 *         await sleep(1_000);
 *         return next('processing', feed.shift());
 *       },
 *       allowedIn: ['healthy', 'degraded'],
 *     },
 *     processing: {
 *       run: ({ resources, input, next }) => {
 *         if (typeof input === 'string') resources.store.set(input, Date.now());
 *         return next('polling');
 *       },
 *       allowedIn: ['healthy'],
 *       retry: { maxRetries: 3, backoff: { initialMs: 100, maxMs: 5_000 } },
 *     },
 *   },
 *   initialTask: 'polling',
 * });
 *
 * const clock = new SimulatedClock();
 * await using system = createActorSystem({ clock });
 * system.inspect((r) => r.type === 'transition' && console.log(r.path, r.from, '→', r.to));
 * const root = system.spawn(
 *   defineSupervisor({ name: 'app', children: [{ id: 'poller', actor: poller }] }),
 *   { id: 'app' },
 * );
 * await root.start();
 * await clock.advance(2_000);
 * console.log(root.resources.poller.state, root.resources.poller.activity);
 * // started.running.healthy polling.running
 * ```
 *
 * @packageDocumentation
 */
export type { StopOptions } from './actor.js';
export type { ActorRef } from './actor-ref.js';
export { backoffDelay, seededRandom } from './backoff.js';
export type { BackoffPolicy, RandomSource } from './backoff.js';
export { SimulatedClock, flushMicrotasks, realClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { defineActor } from './definition.js';
export type {
  ActorDefinition,
  ActorHooks,
  ActorSpec,
  HealthCheck,
  HookContext,
} from './definition.js';
export {
  ActorDefinitionError,
  ActorError,
  ActorErrorCode,
  ActorInterruptedError,
  ChildStartError,
  DependencyError,
  DuplicateActorIdError,
  HealthCheckError,
  HookError,
  IllegalTransitionError,
  InvalidArgumentError,
  NotASupervisorError,
  ResourceAcquireError,
  ResourceReleaseError,
  ResourceTimeoutError,
  ResourceUnavailableError,
  RestartIntensityError,
  StepAbandonedError,
  TaskFailedError,
  UnknownChildError,
} from './errors.js';
export type {
  ErrorRecord,
  InspectionListener,
  InspectionRecord,
  TransitionRecord,
} from './inspection.js';
export type { LifecycleMachine } from './machine.js';
export type {
  AcquireContext,
  Disposable,
  ResourceFactory,
  ResourceMap,
  ResourcePair,
  ResourceSpec,
  ResourceSpecs,
} from './resource.js';
export { ACTOR_STATES, ExitReason, Health } from './state.js';
export type { ActivityState, ActorState } from './state.js';
export type { AbandonedStep, StopReport } from './stop-report.js';
export { ChildKind } from './child-spec.js';
export type { ChildSpec } from './child-spec.js';
export { Strategy, defineSupervisor } from './supervisor.js';
export type {
  RestartIntensity,
  Supervision,
  SupervisorChildren,
  SupervisorDefinition,
  SupervisorSpec,
} from './supervisor.js';
export { asSupervisor } from './supervisor-instance.js';
export type { SupervisorRef, SupervisorTask } from './supervisor-instance.js';
export { createActorSystem } from './system.js';
export type { ActorSystem, ActorSystemOptions, SpawnOptions } from './system.js';
export { nextTask, taskInput } from './task.js';
export type {
  InputArgs,
  NextArgs,
  NextTask,
  RetryPolicy,
  RunArgs,
  TaskContext,
  TaskInputs,
  TaskSpec,
  TaskSpecs,
} from './task.js';
export { ActorAttributes } from './telemetry.js';
