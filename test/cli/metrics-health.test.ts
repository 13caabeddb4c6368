/**
 * `celeriac worker --metrics-port`: `/readyz` is 503 while the broker connection is lost
 * (a private Redis killed and started again) and while the worker stops, 200 otherwise;
 * `/livez` stays 200; a real Prometheus scrapes `/metrics` and finds `celeriac_` series.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celeriac/testing';
import { BIN, CLI_TEST_APP, killLeftovers, runCli, spawnCli } from '../support/cli-process.js';
import { redisScope } from '../support/cli-redis.js';
import { startPrometheus } from '../support/prometheus.js';
import { freePort } from '@celeriac/testing';
import { startPrivateRedis } from '../reliability/redis-support.js';

afterAll(() => killLeftovers());

async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('metrics and health port', () => {
  it(
    '/readyz is 503 during a Redis restart and while stopping, 200 otherwise; /livez 200',
    { timeout: 120_000 },
    async () => {
      const redis = await startPrivateRedis({ appendonly: false });
      const port = await freePort();
      const env = { CLI_TEST_BROKER: redis.url, CLI_TEST_QUEUE: 'health' };
      const args = ['worker', '-A', CLI_TEST_APP, '-c', '1', '--metrics-host', '127.0.0.1'];
      const worker = spawnCli(BIN, args, { env: { ...env, CELERIAC_METRICS_PORT: String(port) } });
      try {
        await worker.waitFor(' ready.');
        expect(worker.output()).toContain(`Metrics and health on http://127.0.0.1:${port}/metrics`);
        const ready = await probe(port, '/readyz');
        expect(ready.status).toBe(200);
        expect(ready.body).toContain('consuming');

        await redis.kill();
        await waitFor(async () => (await probe(port, '/readyz')).status === 503, {
          timeoutMs: 20_000,
          intervalMs: 100,
          description: '/readyz 503 while Redis is down',
        });
        expect((await probe(port, '/readyz')).body).toContain('consumer paused');
        expect((await probe(port, '/livez')).status).toBe(200);

        await redis.start();
        await waitFor(async () => (await probe(port, '/readyz')).status === 200, {
          timeoutMs: 30_000,
          intervalMs: 100,
          description: '/readyz 200 after Redis is back',
        });

        // A warm shutdown waiting for a running task is not ready.
        expect(
          (await runCli(['call', 'cli_test.nap', '-A', CLI_TEST_APP, '-a', '[3]'], { env })).code,
        ).toBe(0);
        await worker.waitFor('napping 3 s');
        process.kill(worker.child.pid!, 'SIGTERM');
        await worker.waitFor('Warm shutdown');
        const stopping = await probe(port, '/readyz');
        expect(stopping.status).toBe(503);
        expect(stopping.body).toContain('stopping');
        expect((await worker.exited).code).toBe(0);
      } finally {
        if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGKILL');
        await redis.dispose();
      }
    },
  );

  it('a real Prometheus scrapes celeriac_ series from /metrics', { timeout: 120_000 }, async () => {
    const scope = redisScope();
    const port = await freePort();
    const args = [
      'worker',
      '-A',
      CLI_TEST_APP,
      '-c',
      '1',
      '--metrics-port',
      String(port),
      '--metrics-host',
      '127.0.0.1',
    ];
    const worker = spawnCli(BIN, args, { env: scope.env });
    const prometheus = await startPrometheus([`127.0.0.1:${port}`]);
    try {
      await worker.waitFor(' ready.');
      for (let i = 0; i < 3; i++) {
        const call = await runCli(
          ['call', 'cli_test.multiply', '-A', CLI_TEST_APP, '-a', '[1, 2]', '--wait'],
          { env: scope.env },
        );
        expect(call.code).toBe(0);
      }
      const text = (await probe(port, '/metrics')).body;
      expect(text).toMatch(/^celeriac_\w+/m);
      const series = await waitFor(
        async () => {
          const result = await prometheus.query(
            `celeriac_messaging_client_consumed_messages_total{messaging_destination_name="${scope.queue}"}`,
          );
          return result.length > 0 && Number(result[0]!.value[1]) >= 3 ? result : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, description: 'the consumed counter in Prometheus' },
      );
      expect(series[0]!.metric).toMatchObject({ job: 'celeriac', messaging_system: 'redis' });
      // The worker's own: tasks by name and outcome, and the queue length it consumes.
      const tasks = await waitFor(
        async () => {
          const result = await prometheus.query(
            `celeriac_messaging_process_duration_count{celery_task_name="cli_test.multiply"}`,
          );
          return result.length > 0 && Number(result[0]!.value[1]) >= 3 ? result : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, description: 'the task count in Prometheus' },
      );
      expect(tasks[0]!.metric).toMatchObject({
        celery_task_outcome: 'success',
        messaging_destination_name: scope.queue,
      });
      const length = await prometheus.query(
        `celeriac_messaging_queue_length{messaging_destination_name="${scope.queue}"}`,
      );
      expect(length[0]!.value[1]).toBe('0');
      const up = await prometheus.query('up{job="celeriac"}');
      expect(up[0]!.value[1]).toBe('1');
    } finally {
      if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGTERM');
      await worker.exited;
      await prometheus.dispose();
      await scope.cleanup();
    }
  });
});
