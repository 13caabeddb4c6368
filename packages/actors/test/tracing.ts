import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ActorAttributes } from '@celeriac/actors';

/** A real SDK tracer provider exporting to memory, and a context manager (as an app's). */
export function tracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
  const one = (name: string): ReadableSpan => {
    const found = named(name);
    if (found.length !== 1) throw new Error(`${found.length} spans named "${name}"`);
    return found[0]!;
  };
  const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
  const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
  const userTracer = provider.getTracer('user-code');
  return {
    exporter,
    provider,
    spans,
    named,
    one,
    parentOf,
    idOf,
    userTracer,
    [Symbol.dispose]: () => {
      context.disable();
    },
  };
}

/** `from→to` of a lifetime's transition events. */
export const transitionsOf = (span: ReadableSpan): string[] =>
  span.events
    .filter((e) => e.name === 'transition')
    .map(
      (e) =>
        `${String(e.attributes?.[ActorAttributes.from])}→${String(e.attributes?.[ActorAttributes.to])}`,
    );
