/**
 * What an OpenTelemetry SDK setup installs, for the telemetry tests: a tracer provider
 * exporting to memory, the W3C propagator (NodeSDK registers it by default) and an
 * AsyncLocalStorage context manager (the SDK's, in a few lines).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll } from 'vitest';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** What an SDK's AsyncLocalStorage context manager does, in a few lines. */
export class AlsContextManager implements ContextManager {
  readonly #als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

/**
 * A provider exporting to memory, and the global propagator and context manager for the
 * test file (installed in `beforeAll`, removed in `afterAll`).
 */
export function useTracing(name: string) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AlsContextManager());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });
  return { exporter, provider, tracer: provider.getTracer(name) };
}
