/**
 * A private Prometheus server (Debian's `prometheus`) for tests: scrapes the given
 * targets every second, keeps its data in a temporary directory, answers queries on a
 * loopback port, and is killed and removed by `dispose()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@celeriac/testing';
import { freePort } from '@celeriac/testing';

/** One series of an instant query's result. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A running Prometheus. */
export interface PrivatePrometheus {
  readonly url: string;
  /** An instant query through the HTTP API. */
  query(expression: string): Promise<Sample[]>;
  dispose(): Promise<void>;
}

/** Start Prometheus scraping `targets` (`host:port`) at `/metrics` every second. */
export async function startPrometheus(targets: readonly string[]): Promise<PrivatePrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: celeriac',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, {
      timeoutMs: 30_000,
      intervalMs: 100,
      description: 'prometheus ready',
    });
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url,
    async query(expression) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`);
      const body = (await response.json()) as { data: { result: Sample[] } };
      return body.data.result;
    },
    dispose,
  };
}
