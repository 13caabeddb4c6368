/**
 * The span of one task step (see `telemetry.ts`): opened when the step starts, the active
 * context while its `run` is called, closed once with how the step ended — also when a
 * stop abandons it before it ends.
 */
import type { Span } from '@opentelemetry/api';
import type { ActorInstance } from './actor.js';
import type { ActorTelemetry, StepOutcome } from './telemetry.js';

function runStep<C>(spec: { run(ctx: C): unknown }, ctx: C): unknown {
  return spec.run(ctx);
}

/** One traced step. */
export class StepTrace {
  readonly #span: Span;
  readonly #telemetry: ActorTelemetry;
  #open = true;

  private constructor(span: Span, telemetry: ActorTelemetry) {
    this.#span = span;
    this.#telemetry = telemetry;
  }

  /** A trace for the step, when the actor's lifetime records and its steps are traced. */
  static begin(actor: ActorInstance, task: string, attempt: number): StepTrace | undefined {
    const lifetime = actor.span;
    if (lifetime === undefined || actor.definition.spec.traceSteps === false) return undefined;
    const telemetry = actor.core.telemetry;
    const span = telemetry.step(lifetime, actor.definition.name, actor.path, task, attempt);
    return new StepTrace(span, telemetry);
  }

  /** Calls the step's `run` with this span as the active context. */
  run<C>(spec: { run(ctx: C): unknown }, ctx: C): unknown {
    return this.#telemetry.within(this.#span, runStep, spec, ctx);
  }

  /** Closes the span, the first time only. */
  end(outcome: StepOutcome, detail?: { error?: unknown; next?: string }): void {
    if (!this.#open) return;
    this.#open = false;
    this.#telemetry.endStep(this.#span, outcome, detail);
  }
}
