/**
 * The OpenTelemetry SDK the CLI installs for `worker` and `call` when the `OTEL_*`
 * variables ask for it (see telemetry-plan.ts), and the Prometheus reader behind
 * `--metrics-port`. Libraries below speak `@opentelemetry/api` only; this is the
 * application that registers the SDK, before the app module loads, and flushes it when
 * the command ends. The SDK's modules load only when something is on.
 */
import type { DiagLogger } from '@opentelemetry/api';
import { diag, DiagLogLevel, metrics } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { metricReadersFor } from './metric-readers.js';
import { telemetryPlan } from './telemetry-plan.js';

/** What {@link installTelemetry} is asked for. */
export interface TelemetryRequest {
  /** `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` sets one. */
  serviceName: string;
  /** Make a Prometheus reader (`celeriac_` names) for the metrics HTTP port. */
  prometheus?: boolean;
  /** Where the SDK's own warnings and errors go, one line each. */
  warn: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The installed telemetry. */
export interface Telemetry {
  /** The Prometheus reader, when asked: its request handler serves `/metrics`. */
  readonly prometheus: PrometheusExporter | undefined;
  /** What is on, for a log line; empty when nothing is. */
  readonly summary: string;
  /** Flush what is buffered and stop (bounded); idempotent. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_BOUND_MS = 10_000;

/** Install what the environment and `request` ask for. */
export async function installTelemetry(request: TelemetryRequest): Promise<Telemetry> {
  const env = request.env ?? process.env;
  const plan = telemetryPlan(env);
  const readers: IMetricReader[] = await metricReadersFor(plan.metricExporters, env, request.warn);
  let prometheus: PrometheusExporter | undefined;
  if (request.prometheus) {
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
    // The CLI's HTTP server serves it; names get the `celeriac_` prefix.
    prometheus = new PrometheusExporter({ preventServerStart: true, prefix: 'celeriac' });
    readers.push(prometheus);
  }
  const summary = [
    plan.traces ? `traces (${env['OTEL_TRACES_EXPORTER'] || 'otlp'})` : '',
    plan.metricExporters.length > 0 ? `metrics (${plan.metricExporters.join(', ')})` : '',
    prometheus ? 'metrics (prometheus on the metrics port)' : '',
    plan.logs ? 'logs' : '',
  ]
    .filter(Boolean)
    .join(', ');
  if (!summary) return { prometheus, summary, shutdown: () => Promise.resolve() };

  diag.setLogger(lineLogger(request.warn), diagLevel(env['OTEL_LOG_LEVEL']));
  let stop: () => Promise<void>;
  if (plan.traces || plan.logs || plan.metricExporters.length > 0) {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    const config: Partial<NodeSDKConfiguration> = { instrumentations: [], metricReaders: readers };
    if (!plan.traces) config.spanProcessors = [];
    if (!plan.logs) config.logRecordProcessors = [];
    const named =
      env['OTEL_SERVICE_NAME'] ||
      /(^|,)\s*service\.name=/.test(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '');
    if (!named) config.serviceName = request.serviceName;
    const sdk = new NodeSDK(config);
    sdk.start();
    stop = () => sdk.shutdown();
  } else {
    // Only the metrics port: a meter provider, without the rest of the SDK.
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const provider = new MeterProvider({
      readers,
      resource: resourceFromAttributes({
        'service.name': env['OTEL_SERVICE_NAME'] || request.serviceName,
      }),
    });
    metrics.setGlobalMeterProvider(provider);
    stop = () => provider.shutdown();
  }
  let stopping: Promise<void> | undefined;
  return {
    prometheus,
    summary,
    shutdown() {
      stopping ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            request.warn(`telemetry not flushed within ${SHUTDOWN_BOUND_MS / 1000} s; giving up`);
            resolve();
          }, SHUTDOWN_BOUND_MS);
        });
        try {
          await Promise.race([stop(), bound]);
        } catch (error) {
          request.warn(`telemetry shutdown failed: ${String(error)}`);
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

function diagLevel(name: string | undefined): DiagLogLevel {
  const levels: Record<string, DiagLogLevel> = {
    none: DiagLogLevel.NONE,
    error: DiagLogLevel.ERROR,
    warn: DiagLogLevel.WARN,
    info: DiagLogLevel.INFO,
    debug: DiagLogLevel.DEBUG,
    verbose: DiagLogLevel.VERBOSE,
    all: DiagLogLevel.ALL,
  };
  return levels[(name ?? 'warn').toLowerCase()] ?? DiagLogLevel.WARN;
}

/** The SDK's diagnostics, one line each. */
function lineLogger(write: (line: string) => void): DiagLogger {
  const line =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      const detail = args.map((arg) => (arg instanceof Error ? arg.message : String(arg)));
      write(`[otel ${level}] ${[message, ...detail].join(' ').replace(/\s*\n\s*/g, ' ')}`);
    };
  return {
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    verbose: line('verbose'),
  };
}
