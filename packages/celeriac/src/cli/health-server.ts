/**
 * The worker's HTTP port (`--metrics-port`): `GET /metrics` (Prometheus text, through
 * the OpenTelemetry Prometheus exporter), `GET /livez` and `GET /readyz` (200 or 503,
 * with one line saying why). Off unless asked for.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { ListenError } from '../errors.js';
import type { ProbeResult } from './worker-health.js';

/** What the server serves. */
export interface HealthServerOptions {
  port: number;
  host: string;
  prometheus: PrometheusExporter | undefined;
  live(): ProbeResult;
  ready(): ProbeResult;
}

/** A listening server. */
export interface HealthServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Listen; rejects with a {@link ListenError} when the port cannot be bound. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const probe = (response: ServerResponse, result: ProbeResult) => {
    response.writeHead(result.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`${result.ok ? 'ok' : 'not ok'}: ${result.detail}\n`);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/livez') {
      probe(response, options.live());
    } else if (path === '/readyz') {
      probe(response, options.ready());
    } else if (path === '/metrics' && options.prometheus) {
      options.prometheus.getMetricsRequestHandler(request, response);
    } else {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('try /metrics, /livez or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new ListenError(options.host, options.port, error));
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
