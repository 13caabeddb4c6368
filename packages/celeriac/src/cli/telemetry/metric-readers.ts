/**
 * Metric readers for the exporters `OTEL_METRICS_EXPORTER` names, built here rather than
 * by the SDK so that they can be combined with the Prometheus reader of `--metrics-port`
 * (the SDK reads the variable only when given no reader at all).
 */
import type { IMetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

function milliseconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The SDK's metrics module is imported only when an exporter is asked for. */
async function periodic(
  exporter: ConstructorParameters<typeof PeriodicExportingMetricReader>[0]['exporter'],
  env: NodeJS.ProcessEnv,
): Promise<PeriodicExportingMetricReader> {
  const sdk = await import('@opentelemetry/sdk-metrics');
  const interval = milliseconds(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const timeout = Math.min(milliseconds(env, 'OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, interval);
  return new sdk.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: interval,
    exportTimeoutMillis: timeout,
  });
}

/** Readers for `exporters`; an exporter the CLI does not know is reported through `warn`. */
export async function metricReadersFor(
  exporters: readonly string[],
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): Promise<IMetricReader[]> {
  const readers: IMetricReader[] = [];
  for (const name of exporters) {
    if (name === 'console') {
      const { ConsoleMetricExporter } = await import('@opentelemetry/sdk-metrics');
      readers.push(await periodic(new ConsoleMetricExporter(), env));
    } else if (name === 'prometheus') {
      const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
      const host = env['OTEL_EXPORTER_PROMETHEUS_HOST'];
      const port = Number(env['OTEL_EXPORTER_PROMETHEUS_PORT'] ?? 9464);
      readers.push(new PrometheusExporter({ ...(host ? { host } : {}), port }));
    } else if (name === 'otlp') {
      const protocol =
        env['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL'] ??
        env['OTEL_EXPORTER_OTLP_PROTOCOL'] ??
        'http/protobuf';
      if (protocol === 'http/json') {
        const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
        readers.push(await periodic(new OTLPMetricExporter(), env));
      } else {
        if (protocol !== 'http/protobuf') {
          warn(`OTLP metrics over ${protocol} are not supported by the CLI; using http/protobuf`);
        }
        const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
        readers.push(await periodic(new OTLPMetricExporter(), env));
      }
    } else {
      warn(`OTEL_METRICS_EXPORTER=${name} is not supported (use otlp, console, prometheus)`);
    }
  }
  return readers;
}
