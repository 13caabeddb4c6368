/**
 * Which OpenTelemetry signals the standard `OTEL_*` variables ask the CLI for. Each
 * signal is on only when asked — unlike the bare SDK, whose defaults would send OTLP
 * metrics and logs to localhost as soon as anything is set (Jaeger, for one, takes no
 * metrics):
 * - traces: `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `zipkin`; `none` is off), or an
 *   OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`, `…_TRACES_ENDPOINT`) with it unset;
 * - metrics: `OTEL_METRICS_EXPORTER` (`otlp`, `console`, `prometheus`), or
 *   `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`; and `--metrics-port` serves Prometheus;
 * - logs: `OTEL_LOGS_EXPORTER` (celeriac logs to the console; an app may log through OTel).
 * `OTEL_SDK_DISABLED=true` turns everything off.
 */

/** What to install. */
export interface TelemetryPlan {
  /** Span processors from the `OTEL_TRACES_*` variables. */
  traces: boolean;
  /** Metric exporters named by the variables: `otlp`, `console`, `prometheus`. */
  metricExporters: string[];
  /** A log record processor from the `OTEL_LOGS_*` variables. */
  logs: boolean;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '' && item !== 'null');
}

/** The plan for `env`. */
export function telemetryPlan(env: NodeJS.ProcessEnv): TelemetryPlan {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') {
    return { traces: false, metricExporters: [], logs: false };
  }
  const traceExporters = listOf(env['OTEL_TRACES_EXPORTER']);
  const traces =
    traceExporters.length > 0
      ? !traceExporters.includes('none')
      : Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  let metricExporters = listOf(env['OTEL_METRICS_EXPORTER']);
  if (metricExporters.includes('none')) metricExporters = [];
  else if (metricExporters.length === 0 && env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']) {
    metricExporters = ['otlp'];
  }
  const logExporters = listOf(env['OTEL_LOGS_EXPORTER']);
  const logs = logExporters.length > 0 && !logExporters.includes('none');
  return { traces, metricExporters: [...new Set(metricExporters)], logs };
}
