/**
 * Beat's OpenTelemetry, through `@opentelemetry/api` only: one INTERNAL span `beat run
 * <entry>` per run a leader claims and sends — the client's PRODUCER `send` span is its
 * child, so a trace goes from the schedule to the worker — and one short span `beat
 * leadership` each time this replica gains or loses a term. The beat's role itself is on
 * its actor's span (activity `following` / `leading`, health `degraded`).
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';

/** Instrumentation scope name of beat's spans. */
export const TRACER_NAME = '@celeriac/beat';

/** Span attribute names. */
export const BeatAttribute = {
  entry: 'celeriac.beat.entry',
  scheduledAt: 'celeriac.beat.scheduled_at',
  epoch: 'celeriac.beat.epoch',
  holder: 'celeriac.beat.holder',
  namespace: 'celeriac.beat.namespace',
  claim: 'celeriac.beat.claim',
  leadership: 'celeriac.beat.leadership',
  taskName: 'celery.task.name',
  taskId: 'messaging.message.id',
} as const;

/** The default tracer, looked up when used so a provider registered later counts. */
export function defaultTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** What a run span describes. */
export interface RunSpanInfo {
  readonly namespace: string;
  readonly entry: string;
  readonly task: string;
  readonly taskId: string;
  readonly runAt: number;
  readonly epoch: number;
  readonly holder: string;
}

/** Runs `fn` inside a `beat run <entry>` span; the span ends with `fn`, failed if it throws. */
export async function withRunSpan<T>(
  tracer: Tracer,
  info: RunSpanInfo,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(`beat run ${info.entry}`, {
    kind: SpanKind.INTERNAL,
    attributes: {
      [BeatAttribute.namespace]: info.namespace,
      [BeatAttribute.entry]: info.entry,
      [BeatAttribute.taskName]: info.task,
      [BeatAttribute.taskId]: info.taskId,
      [BeatAttribute.scheduledAt]: new Date(info.runAt).toISOString(),
      [BeatAttribute.epoch]: info.epoch,
      [BeatAttribute.holder]: info.holder,
    },
  });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (error) {
    const exception = error instanceof Error ? error : new Error(String(error));
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
    throw error;
  } finally {
    span.end();
  }
}

/** Records that this replica gained (`acquired`) or ended (`lost`, `released`) a term. */
export function leadershipSpan(
  tracer: Tracer,
  change: 'acquired' | 'lost' | 'released',
  info: { readonly namespace: string; readonly holder: string; readonly epoch: number },
): void {
  tracer
    .startSpan('beat leadership', {
      kind: SpanKind.INTERNAL,
      attributes: {
        [BeatAttribute.leadership]: change,
        [BeatAttribute.namespace]: info.namespace,
        [BeatAttribute.holder]: info.holder,
        [BeatAttribute.epoch]: info.epoch,
      },
    })
    .end();
}
