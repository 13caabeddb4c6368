/**
 * OpenTelemetry for actors, through `@opentelemetry/api` only (STYLE.md 12). One span per
 * actor lifetime — from `start()` (or a restart out of `crashed`) to `stopped` or
 * `crashed` — with one span event per state transition. A supervisor's children start
 * their spans inside the supervisor's, so the trace is the actor tree.
 *
 * Why events and not a child span per state: an actor spends its life in `started`, so
 * per-state spans would be one long span plus a handful of tiny ones, and an idle
 * actor would hold an open span per nesting level. Events keep one span per lifetime,
 * cost nothing when no SDK records, and still show every transition (with its `from`,
 * `to` and cause) on the lifetime's timeline.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { TransitionRecord } from './inspection.js';

/** Attribute names, after the OTel naming rules for a `celeriac.actor` namespace. */
export const ActorAttributes = {
  id: 'celeriac.actor.id',
  path: 'celeriac.actor.path',
  state: 'celeriac.actor.state',
  kind: 'celeriac.actor.kind',
  restarts: 'celeriac.actor.restarts',
  from: 'celeriac.actor.transition.from',
  to: 'celeriac.actor.transition.to',
  event: 'celeriac.actor.transition.event',
  activity: 'celeriac.actor.activity',
} as const;

const TRACER_NAME = '@celeriac/actors';
const TRACER_VERSION = '0.1.0';

/** The spans of one actor system. */
export class ActorTelemetry {
  readonly #tracer: Tracer;

  constructor(provider: TracerProvider | undefined) {
    this.#tracer = (provider ?? trace.getTracerProvider()).getTracer(TRACER_NAME, TRACER_VERSION);
  }

  /**
   * Opens the span of a lifetime, inside `parent` (the supervisor's span) when given, else
   * inside the active context. Returns `undefined` when nothing records, so callers skip
   * all per-transition work.
   */
  begin(
    kind: string,
    actorId: string,
    path: string,
    restarts: number,
    parent: Span | undefined,
  ): Span | undefined {
    const ctx = parent === undefined ? context.active() : trace.setSpan(context.active(), parent);
    const span = this.#tracer.startSpan(
      `actor ${kind}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ActorAttributes.id]: actorId,
          [ActorAttributes.path]: path,
          [ActorAttributes.kind]: kind,
          [ActorAttributes.restarts]: restarts,
        },
      },
      ctx,
    );
    return span.isRecording() ? span : undefined;
  }

  /** Records one transition as a span event and the new state as the span's state. */
  transition(span: Span, record: TransitionRecord): void {
    span.setAttribute(ActorAttributes.state, record.to);
    span.addEvent('transition', {
      [ActorAttributes.from]: record.from,
      [ActorAttributes.to]: record.to,
      [ActorAttributes.event]: record.event,
      ...(record.toActivity === undefined ? {} : { [ActorAttributes.activity]: record.toActivity }),
    });
  }

  /** Marks a restart inside a lifetime (`restart()` while started). */
  restarted(span: Span, restarts: number): void {
    span.setAttribute(ActorAttributes.restarts, restarts);
    span.addEvent('restart', { [ActorAttributes.restarts]: restarts });
  }

  /** Records an error that did not end the lifetime (a failed release, a hook error). */
  error(span: Span, error: unknown): void {
    span.recordException(asException(error));
  }

  /** Closes a lifetime: `stopped` ends it OK, `crashed` ends it with the crash. */
  end(span: Span, state: string, crash?: unknown): void {
    span.setAttribute(ActorAttributes.state, state);
    if (crash !== undefined) {
      span.recordException(asException(crash));
      span.setStatus({ code: SpanStatusCode.ERROR, message: asException(crash).message });
    }
    span.end();
  }
}

function asException(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
