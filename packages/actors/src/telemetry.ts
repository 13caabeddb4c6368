/**
 * OpenTelemetry for actors, through `@opentelemetry/api` only (STYLE.md 12). What a trace
 * shows (the reasons are in `docs/actors.md`, "Telemetry"):
 *
 * - one **lifetime** span per actor lifetime, `actor <kind>`, from `start()` (or a restart
 *   out of `crashed`) to `stopped` or `crashed`, inside its supervisor's lifetime, with an
 *   event per lifecycle state change; a lifetime that follows another links to it;
 * - short spans inside it, exported as soon as they end, so a long-lived actor is visible
 *   while it lives: a **phase** span per start, stop and restart (`actor <kind> start`), a
 *   **step** span per task step (`actor <kind> step <task>`), a zero-length **health**
 *   span per health change with its reason, and a **supervise** span per supervisor
 *   decision (child, exit, strategy, backoff, restarts in the window);
 * - the span of what the actor is doing is the active context while it acquires (the
 *   phase), runs a step (the step) and checks its health (the lifetime), so the user's own
 *   spans nest under it;
 * - an exception is recorded once, on the span where it happened, with its class name as
 *   `exception.type`.
 *
 * When no SDK records, `lifetime()` returns `undefined` and callers do nothing else.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type {
  Attributes,
  Link,
  Span,
  SpanContext,
  TimeInput,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { realClock } from './clock.js';
import type { Clock } from './clock.js';
import type { DecisionRecord, TransitionRecord } from './inspection.js';

/**
 * Every attribute celeriac's actor spans carry, all under `celeriac.actor.` (OTel naming:
 * dot-separated namespaces, snake_case words).
 */
export const ActorAttributes = {
  /** The actor's id. */
  id: 'celeriac.actor.id',
  /** The actor's tree path, e.g. `/worker/pool/executor-3`. */
  path: 'celeriac.actor.path',
  /** The definition's name. */
  kind: 'celeriac.actor.kind',
  /** Lifetime: the last lifecycle state, set at each change and at the end. */
  state: 'celeriac.actor.state',
  /** Lifetime: how many restarts came before (or within) it. */
  restarts: 'celeriac.actor.restarts',
  /** Transition event: the state before. */
  from: 'celeriac.actor.transition.from',
  /** Transition event: the state after. */
  to: 'celeriac.actor.transition.to',
  /** Transition event: the trigger or completion event that caused it. */
  event: 'celeriac.actor.transition.event',
  /** The activity (`idle`, `<task>.running`, …) at a transition. */
  activity: 'celeriac.actor.activity',
  /** Phase span: `start`, `stop` or `restart`. */
  phase: 'celeriac.actor.phase',
  /** Phase span: how it ended (`started`, `stopped`, `crashed`, `interrupted`). */
  phaseOutcome: 'celeriac.actor.phase.outcome',
  /** Stop or restart phase: the task whose step outlived the shutdown timeout. */
  abandonedTask: 'celeriac.actor.phase.abandoned_task',
  /** Stop phase: the resource whose pending acquire the stop interrupted. */
  interruptedAcquire: 'celeriac.actor.phase.interrupted_acquire',
  /** Step span: the task. */
  task: 'celeriac.actor.task',
  /** Step span: the attempt (1 for the first run of the step). */
  attempt: 'celeriac.actor.task.attempt',
  /** Step span: `next`, `idle`, `retry`, `failed`, `aborted` or `abandoned`. */
  outcome: 'celeriac.actor.task.outcome',
  /** Step span with outcome `next`: the task that follows. */
  nextTask: 'celeriac.actor.task.next',
  /** Health span and transition events: the health level after. */
  health: 'celeriac.actor.health',
  /** Health span: the level before. */
  healthPrevious: 'celeriac.actor.health.previous',
  /** Health span and transition events: why, as reported. */
  healthReason: 'celeriac.actor.health.reason',
  /** Exception events of celeriac's own errors: their stable `code`. */
  errorCode: 'celeriac.actor.error.code',
  /** A link's meaning: `previous_lifetime` or `decision`. */
  link: 'celeriac.actor.link',
  /** Supervise span: the path of the child whose exit is decided on. */
  child: 'celeriac.actor.supervisor.child',
  /** Supervise span: `crashed`, or `stopped` (by someone else). */
  exit: 'celeriac.actor.supervisor.exit',
  /** Supervise span: the class of the crash error. */
  exitError: 'celeriac.actor.supervisor.exit_error',
  /** Supervise span: the child's kind (`permanent`, `transient`, `temporary`). */
  childKind: 'celeriac.actor.supervisor.child_kind',
  /** Supervise span: `one-for-one`, `one-for-all` or `rest-for-one`. */
  strategy: 'celeriac.actor.supervisor.strategy',
  /** Supervise span: `restart`, `ignore` (the kind asks for none) or `escalate`. */
  decision: 'celeriac.actor.supervisor.decision',
  /** Supervise span: the wait before restarting, in ms. */
  backoffMs: 'celeriac.actor.supervisor.backoff_ms',
  /** Supervise span: restarts inside the intensity window, this one included. */
  restartsInWindow: 'celeriac.actor.supervisor.restarts_in_window',
  /** Supervise span: the intensity's `maxRestarts`. */
  maxRestarts: 'celeriac.actor.supervisor.max_restarts',
  /** Supervise span: the intensity's `withinMs`. */
  windowMs: 'celeriac.actor.supervisor.window_ms',
  /** Supervise span: the ids of the children the strategy restarts. */
  affected: 'celeriac.actor.supervisor.affected',
} as const;

/** How a phase span ended. */
export type PhaseOutcome = 'started' | 'stopped' | 'crashed' | 'interrupted';

/** How a step span ended. */
export type StepOutcome = 'next' | 'idle' | 'retry' | 'failed' | 'aborted' | 'abandoned';

/** What a new lifetime span needs to know. */
export interface LifetimeStart {
  readonly kind: string;
  readonly id: string;
  readonly path: string;
  readonly restarts: number;
  /** The supervisor's lifetime, if supervised. */
  readonly parent: Span | undefined;
  /** The lifetime before this one, to link to. */
  readonly previous: SpanContext | undefined;
  /** The supervise span that restarted it, to link to. */
  readonly decision: SpanContext | undefined;
}

const TRACER_NAME = '@celeriac/actors';
const TRACER_VERSION = '0.1.0';
const API_KEY = Symbol.for('opentelemetry.js.api.1');

/** The spans of one actor system. */
export class ActorTelemetry {
  readonly #tracer: Tracer;
  readonly #clock: Clock | undefined;
  #apiChecked: boolean;

  /** `clock`: span times come from it unless it is the real clock (the SDK's is finer). */
  constructor(provider: TracerProvider | undefined, clock: Clock) {
    this.#tracer = (provider ?? trace.getTracerProvider()).getTracer(TRACER_NAME, TRACER_VERSION);
    this.#clock = clock === realClock ? undefined : clock;
    this.#apiChecked = provider !== undefined;
  }

  /** The injected clock's time, as a Date: the SDK reads a small number as a performance time. */
  #now(): TimeInput | undefined {
    const clock = this.#clock;
    return clock === undefined ? undefined : new Date(clock.now());
  }

  /**
   * Opens a lifetime span, inside `parent` when given, else inside the active context.
   * Returns `undefined` when nothing records, so callers skip all further work.
   */
  lifetime(start: LifetimeStart): Span | undefined {
    if (!this.#apiChecked) this.#checkApi();
    const links: Link[] = [];
    if (start.previous !== undefined) {
      links.push({
        context: start.previous,
        attributes: { [ActorAttributes.link]: 'previous_lifetime' },
      });
    }
    if (start.decision !== undefined) {
      links.push({ context: start.decision, attributes: { [ActorAttributes.link]: 'decision' } });
    }
    const parent = start.parent;
    const ctx = parent === undefined ? context.active() : trace.setSpan(context.active(), parent);
    const span = this.#tracer.startSpan(
      `actor ${start.kind}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ActorAttributes.id]: start.id,
          [ActorAttributes.path]: start.path,
          [ActorAttributes.kind]: start.kind,
          [ActorAttributes.restarts]: start.restarts,
        },
        links,
        ...this.#startTime(),
      },
      ctx,
    );
    return span.isRecording() ? span : undefined;
  }

  #startTime(): { startTime?: TimeInput } {
    const now = this.#now();
    return now === undefined ? {} : { startTime: now };
  }

  #child(parent: Span, name: string, attributes: Attributes, links?: Link[]): Span {
    return this.#tracer.startSpan(
      name,
      {
        kind: SpanKind.INTERNAL,
        attributes,
        ...(links === undefined ? {} : { links }),
        ...this.#startTime(),
      },
      trace.setSpan(context.active(), parent),
    );
  }

  /** Opens the span of a start, stop or restart inside the lifetime. */
  phase(lifetime: Span, kind: string, path: string, phase: 'start' | 'stop' | 'restart'): Span {
    return this.#child(lifetime, `actor ${kind} ${phase}`, {
      [ActorAttributes.path]: path,
      [ActorAttributes.phase]: phase,
    });
  }

  /** Closes a phase span; `crashed` marks it as an error (the crash itself is on the lifetime). */
  endPhase(span: Span, outcome: PhaseOutcome, attributes?: Attributes): void {
    span.setAttribute(ActorAttributes.phaseOutcome, outcome);
    if (attributes !== undefined) span.setAttributes(attributes);
    if (outcome === 'crashed') span.setStatus({ code: SpanStatusCode.ERROR, message: 'crashed' });
    span.end(this.#now());
  }

  /** Opens the span of one task step inside the lifetime. */
  step(lifetime: Span, kind: string, path: string, task: string, attempt: number): Span {
    return this.#child(lifetime, `actor ${kind} step ${task}`, {
      [ActorAttributes.path]: path,
      [ActorAttributes.task]: task,
      [ActorAttributes.attempt]: attempt,
    });
  }

  /** Closes a step span; an error is recorded on it (once) unless the step was aborted. */
  endStep(span: Span, outcome: StepOutcome, detail?: { error?: unknown; next?: string }): void {
    span.setAttribute(ActorAttributes.outcome, outcome);
    if (detail?.next !== undefined) span.setAttribute(ActorAttributes.nextTask, detail.next);
    if (detail?.error !== undefined && outcome !== 'aborted') this.exception(span, detail.error);
    span.end(this.#now());
  }

  /** Runs `fn` with `span` as the active context (user spans inside nest under it). */
  within<A extends unknown[], R>(span: Span, fn: (...args: A) => R, ...args: A): R {
    return context.with(trace.setSpan(context.active(), span), fn, undefined, ...args);
  }

  /**
   * Records a lifecycle state change as an event of the lifetime, and a health change as
   * a zero-length span too, so it is seen at once. Activity moves are not recorded here
   * (the step spans show them).
   */
  transition(lifetime: Span, kind: string, record: TransitionRecord): void {
    if (record.from === record.to) return;
    const now = this.#now();
    const health = healthOf(record.to);
    const attributes: Attributes = {
      [ActorAttributes.from]: record.from,
      [ActorAttributes.to]: record.to,
      [ActorAttributes.event]: record.event,
    };
    if (health !== undefined) attributes[ActorAttributes.health] = health;
    if (record.reason !== undefined) attributes[ActorAttributes.healthReason] = record.reason;
    lifetime.setAttribute(ActorAttributes.state, record.to);
    lifetime.addEvent('transition', attributes, now);
    const before = healthOf(record.from);
    if (
      health !== undefined &&
      (before !== undefined ? before !== health : record.reason !== undefined)
    ) {
      const span = this.#child(lifetime, `actor ${kind} health`, {
        [ActorAttributes.path]: record.path,
        [ActorAttributes.health]: health,
        ...(before === undefined ? {} : { [ActorAttributes.healthPrevious]: before }),
        ...(record.reason === undefined ? {} : { [ActorAttributes.healthReason]: record.reason }),
      });
      span.end(now);
    }
  }

  /**
   * Opens the span of one supervisor decision inside the supervisor's lifetime, linked to
   * the exited child's lifetime. A restart's span lasts through the backoff and the
   * restarts; the others are closed by the caller at once.
   */
  decision(
    lifetime: Span,
    kind: string,
    record: DecisionRecord,
    exited: SpanContext | undefined,
  ): Span {
    const links: Link[] | undefined =
      exited === undefined
        ? undefined
        : [{ context: exited, attributes: { [ActorAttributes.link]: 'previous_lifetime' } }];
    const attributes: Attributes = {
      [ActorAttributes.path]: record.path,
      [ActorAttributes.child]: record.child,
      [ActorAttributes.exit]: record.exit,
      [ActorAttributes.childKind]: record.childKind,
      [ActorAttributes.strategy]: record.strategy,
      [ActorAttributes.decision]: record.decision,
      [ActorAttributes.backoffMs]: record.backoffMs,
      [ActorAttributes.restartsInWindow]: record.restartsInWindow,
      [ActorAttributes.maxRestarts]: record.intensity.maxRestarts,
      [ActorAttributes.windowMs]: record.intensity.withinMs,
      [ActorAttributes.affected]: [...record.affected],
    };
    if (record.error !== undefined) attributes[ActorAttributes.exitError] = classOf(record.error);
    return this.#child(lifetime, `actor ${kind} supervise`, attributes, links);
  }

  /** Marks a restart inside a lifetime (`restart()` while started keeps the lifetime). */
  restarted(lifetime: Span, restarts: number): void {
    lifetime.setAttribute(ActorAttributes.restarts, restarts);
  }

  /** Closes a span (a supervise span) at the system clock's time. */
  close(span: Span): void {
    span.end(this.#now());
  }

  /**
   * Records an exception event once, with the error's class name as `exception.type`
   * (the SDK's `recordException` would prefer an error's `code`).
   */
  exception(span: Span, error: unknown): void {
    const attributes: Attributes = {
      'exception.type': classOf(error),
      'exception.message': error instanceof Error ? error.message : String(error),
    };
    if (error instanceof Error && error.stack !== undefined) {
      attributes['exception.stacktrace'] = error.stack;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string') attributes[ActorAttributes.errorCode] = code;
    span.addEvent('exception', attributes, this.#now());
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: String(attributes['exception.message']),
    });
  }

  /** Closes a lifetime: `stopped` ends it OK, `crashed` records the crash on it, once. */
  end(lifetime: Span, state: string, crash?: unknown): void {
    lifetime.setAttribute(ActorAttributes.state, state);
    if (crash !== undefined) this.exception(lifetime, crash);
    lifetime.end(this.#now());
  }

  /**
   * Warns once when a tracer provider was registered through a copy of
   * `@opentelemetry/api` that this one cannot read (two copies in the app, e.g. 1.9 and
   * 1.10): every span would silently go nowhere.
   */
  #checkApi(): void {
    const registry = (
      globalThis as Record<symbol, { version?: unknown; trace?: unknown } | undefined>
    )[API_KEY];
    if (registry?.trace === undefined) return;
    this.#apiChecked = true;
    if (trace.getTracerProvider() === registry.trace) return;
    const warn = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } })
      .process?.emitWarning;
    warn?.(
      `@celeriac/actors: the OpenTelemetry tracer provider was registered through ` +
        `@opentelemetry/api ${String(registry.version)}, which the copy @celeriac/actors ` +
        `loaded cannot use, so actor spans go nowhere. Keep one copy of @opentelemetry/api ` +
        `in the app (npm ls @opentelemetry/api; npm dedupe).`,
      { code: 'CELERIAC_OTEL_API_MISMATCH', type: 'CeleriacWarning' },
    );
  }
}

/** The health level of a `started.running.<level>` state. */
function healthOf(state: string): string | undefined {
  return state.startsWith('started.running.') ? state.slice('started.running.'.length) : undefined;
}

/** The class name of a thrown value (`TypeError`, `TaskFailedError`, …). */
function classOf(error: unknown): string {
  if (error instanceof Error) {
    const name = (Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null)
      ?.constructor?.name;
    return typeof name === 'string' && name.length > 0 ? name : error.name;
  }
  return typeof error;
}
