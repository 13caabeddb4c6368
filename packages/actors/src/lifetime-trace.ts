/**
 * The spans of one actor across its lifetimes (see `telemetry.ts`): the open lifetime and
 * phase spans, the last lifetime (the next one links to it), and the supervise span that
 * is restarting the actor (linked too). Everything here is a no-op while nothing records.
 */
import type { Attributes, Span, SpanContext } from '@opentelemetry/api';
import type { ActorTelemetry, LifetimeStart, PhaseOutcome } from './telemetry.js';

/** The trace state of one actor. */
export class LifetimeTrace {
  readonly #telemetry: ActorTelemetry;
  /** The open lifetime span, when something records. */
  span: Span | undefined;
  /** The open phase span (start, stop, restart) inside the lifetime. */
  phase: Span | undefined;
  /** The last lifetime that ended, for the next one to link to. */
  last: SpanContext | undefined;
  /** The supervise span restarting the actor, for the next lifetime to link to. */
  restartCause: SpanContext | undefined;

  constructor(telemetry: ActorTelemetry) {
    this.#telemetry = telemetry;
  }

  /** Opens a lifetime linked to the last one (and the decision restarting it, if any). */
  begin(start: Omit<LifetimeStart, 'previous' | 'decision'>): Span | undefined {
    this.span = this.#telemetry.lifetime({
      ...start,
      previous: this.last,
      decision: this.restartCause,
    });
    this.restartCause = undefined;
    return this.span;
  }

  /** Opens a phase span (ending one still open, as interrupted), when recording. */
  beginPhase(kind: string, path: string, phase: 'start' | 'stop' | 'restart'): void {
    if (this.span === undefined) return;
    this.endPhase('interrupted');
    this.phase = this.#telemetry.phase(this.span, kind, path, phase);
  }

  /** Closes the open phase span, if any. */
  endPhase(outcome: PhaseOutcome, attributes?: Attributes): void {
    const span = this.phase;
    if (span === undefined) return;
    this.phase = undefined;
    this.#telemetry.endPhase(span, outcome, attributes);
  }

  /** A restart within the lifetime (`restart()` while started). */
  restarted(restarts: number): void {
    if (this.span !== undefined) this.#telemetry.restarted(this.span, restarts);
  }

  /** Records an error on the open phase, else the lifetime. */
  exception(error: unknown): void {
    const span = this.phase ?? this.span;
    if (span !== undefined) this.#telemetry.exception(span, error);
  }

  /** Closes the lifetime span, if open, remembering it for the next lifetime's link. */
  end(state: 'stopped' | 'crashed', crash?: unknown): void {
    const span = this.span;
    if (span === undefined) return;
    this.span = undefined;
    this.last = span.spanContext();
    this.#telemetry.end(span, state, crash);
  }
}
