/**
 * @celeriac/actors — the actor runtime on XState v5: a hierarchical lifecycle statechart
 * per actor, actor tasks (typed input per task) that extend it, declared resources released
 * in reverse order, dependencies, health with reasons, supervisors whose children can be
 * added and removed while they run, stops bounded by a shutdown timeout, an actor system
 * with tree paths, an injected clock, one inspection stream, and OpenTelemetry spans that
 * say why. Knows nothing of Celery or brokers.
 *
 * @example
 * ```ts
 * import {
 *   SimulatedClock,
 *   createActorSystem,
 *   defineActor,
 *   defineSupervisor,
 *   taskInput,
 * } from '@celeriac/actors';
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
 *         return next('processing', feed.splice(0));
 *       },
 *       allowedIn: ['healthy', 'degraded'],
 *     },
 *     processing: {
 *       input: taskInput<string[]>(), // next('processing', …) and run('processing', …) take string[]
 *       run: ({ resources, input, next }) => {
 *         for (const entry of input) resources.store.set(entry, Date.now());
 *         return next('polling');
 *       },
 *       allowedIn: ['healthy'],
 *     },
 *   },
 *   initialTask: 'polling',
 *   shutdownTimeoutMs: 2_000, // a stop abandons a step that ignores its signal after 2 s
 * });
 *
 * const clock = new SimulatedClock();
 * await using system = createActorSystem({ clock });
 * system.inspect((r) => {
 *   if (r.type === 'transition' && r.from !== r.to) console.log(r.path, r.from, '→', r.to);
 * });
 * const app = system.spawn(defineSupervisor({ name: 'app', children: [] }), { id: 'app' });
 * await app.start();
 * const child = await app.addChild({ id: 'poller', actor: poller }); // /app/poller
 * await clock.advance(2_000);
 * child.reportHealth('degraded', 'storage slow'); // the reason goes to the trace
 * console.log(child.state, child.activity); // started.running.degraded polling.running
 * const report = await app.removeChild('poller', { timeoutMs: 500 });
 * console.log(report.clean); // true: the step honoured its signal
 * ```
 *
 * @packageDocumentation
 */
export type { StopOptions } from './stop-report.js';
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
  HealthReport,
  HookContext,
} from './definition.js';
export {
  ActivityBusyError,
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
  DecisionRecord,
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
export type { SupervisorRef, SupervisorTask } from './supervisor-ref.js';
export { createActorSystem } from './system.js';
export type { ActorSystem, ActorSystemOptions, SpawnOptions } from './system.js';
export { nextTask } from './task.js';
export { taskInput } from './task-input.js';
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
export type { PhaseOutcome, StepOutcome } from './telemetry.js';
