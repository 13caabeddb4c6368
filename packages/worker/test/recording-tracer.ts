/**
 * A minimal OpenTelemetry tracer for tests, built on `@opentelemetry/api` alone (the SDK's
 * peer range excludes the api version in this repo): spans are recorded in memory, the
 * context follows async calls through AsyncLocalStorage, and W3C `traceparent` headers
 * are injected and extracted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type ContextManager,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanOptions,
  type SpanStatus,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

export interface RecordedSpan {
  name: string;
  kind: SpanKind | undefined;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Attributes;
  /** The span ids it links to. */
  links: string[];
  status: SpanStatus;
  ended: boolean;
}

class AlsContextManager implements ContextManager {
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
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    return ((...a: unknown[]) => this.with(ctx, () => fn(...a))) as unknown as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

const w3c: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const sc = trace.getSpanContext(ctx);
    if (!sc) return;
    setter.set(carrier, 'traceparent', `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags}`);
  },
  extract(ctx, carrier, getter) {
    const raw = getter.get(carrier, 'traceparent');
    const value = Array.isArray(raw) ? raw[0] : raw;
    const m = value && /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value);
    if (!m) return ctx;
    return trace.setSpanContext(ctx, {
      traceId: m[1]!,
      spanId: m[2]!,
      traceFlags: parseInt(m[3]!, 16),
      isRemote: true,
    });
  },
  fields: () => ['traceparent'],
};

class RecordingTracer implements Tracer {
  constructor(private readonly spans: RecordedSpan[]) {}
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = trace.getSpanContext(ctx);
    const sc: SpanContext = {
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    const record: RecordedSpan = {
      name,
      kind: options.kind,
      traceId: sc.traceId,
      spanId: sc.spanId,
      parentSpanId: parent?.spanId,
      attributes: { ...options.attributes },
      links: (options.links ?? []).map((l) => l.context.spanId),
      status: { code: 0 },
      ended: false,
    };
    this.spans.push(record);
    const span: Span = {
      spanContext: () => sc,
      setAttribute: (k, v) => ((record.attributes[k] = v), span),
      setAttributes: (a) => (Object.assign(record.attributes, a), span),
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus: (s) => ((record.status = s), span),
      updateName: (n) => ((record.name = n), span),
      end: () => void (record.ended = true),
      isRecording: () => !record.ended,
      recordException: () => {},
    };
    return span;
  }
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: unknown[]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = (rest.length > 1 ? rest[0] : {}) as SpanOptions;
    const ctx = (rest.length > 2 ? rest[1] : context.active()) as Context;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
  }
}

/**
 * Register the recording tracer globally; returns the recorded spans, the names tracers
 * were asked for (one entry per `getTracer` call) and an uninstall.
 */
export function installRecordingTracing(): {
  spans: RecordedSpan[];
  tracerRequests: string[];
  uninstall: () => void;
} {
  const spans: RecordedSpan[] = [];
  const tracerRequests: string[] = [];
  const provider: TracerProvider = {
    getTracer: (name) => {
      tracerRequests.push(name);
      return new RecordingTracer(spans);
    },
  };
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AlsContextManager());
  propagation.setGlobalPropagator(w3c);
  return {
    spans,
    tracerRequests,
    uninstall: () => {
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
