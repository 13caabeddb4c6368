/**
 * OpenTelemetry installed by the CLI from the standard variables alone: a task sent by
 * `celeriac call` and run by `celeriac worker` arrives at an OTLP/HTTP receiver as one
 * trace (the client's send span, the worker's process span under it), and
 * `OTEL_TRACES_EXPORTER=console` prints spans.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celeriac/testing';
import { BIN, CLI_TEST_APP, killLeftovers, runCli, spawnCli } from '../support/cli-process.js';
import { redisScope } from '../support/cli-redis.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

afterAll(() => killLeftovers());

describe('OpenTelemetry from OTEL_* variables', () => {
  it(
    'one trace across call and worker, at an OTLP/HTTP endpoint',
    { timeout: 90_000 },
    async () => {
      const receiver = await startOtlpReceiver();
      const scope = redisScope();
      const env = {
        ...scope.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      };
      const worker = spawnCli(BIN, ['worker', '-A', CLI_TEST_APP, '-c', '1'], { env });
      try {
        await worker.waitFor('ready');
        expect(worker.output()).toContain('OpenTelemetry: traces (otlp)');
        const call = await runCli(
          ['call', 'cli_test.multiply', '-A', CLI_TEST_APP, '-a', '[3, 4]', '--wait'],
          {
            env: { ...env, OTEL_SERVICE_NAME: 'shop-api' },
          },
        );
        expect(call.stdout.trim().split('\n')[1]).toBe('12');
        const taskId = call.stdout.split('\n')[0]!;
        // call flushed its span before it exited; the worker's comes within the batch delay.
        // Found by kind and task id (span names follow the conventions' `<operation> <destination>`).
        const spanOf = (kind: number) =>
          receiver.spans.find(
            (s) => s.kind === kind && s.attributes['messaging.message.id'] === taskId,
          );
        await waitFor(() => spanOf(5), {
          timeoutMs: 20_000,
          description: 'the worker’s process span',
        });
        const send = spanOf(4);
        const processSpan = spanOf(5);
        expect(send).toMatchObject({
          service: 'shop-api',
          kind: 4, // producer
          attributes: { 'messaging.system': 'redis', 'messaging.message.id': taskId },
        });
        expect(processSpan).toMatchObject({
          service: 'celeriac-worker',
          kind: 5, // consumer
          traceId: send!.traceId,
          parentSpanId: send!.spanId,
          attributes: {
            'messaging.operation.type': 'process',
            'messaging.destination.name': scope.queue,
            'messaging.message.id': taskId,
          },
        });
      } finally {
        if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGTERM');
        await worker.exited;
        await receiver.close();
        await scope.cleanup();
      }
    },
  );

  it('OTEL_TRACES_EXPORTER=console prints the worker’s spans', { timeout: 90_000 }, async () => {
    const scope = redisScope();
    const env = { ...scope.env, OTEL_TRACES_EXPORTER: 'console' };
    const worker = spawnCli(BIN, ['worker', '-A', CLI_TEST_APP, '-c', '1'], { env });
    try {
      await worker.waitFor('ready');
      const call = await runCli(
        ['call', 'cli_test.multiply', '-A', CLI_TEST_APP, '-a', '[5, 5]', '--wait'],
        {
          env: scope.env,
        },
      );
      expect(call.code).toBe(0);
      await worker.waitFor("'messaging.operation.type': 'process'");
      expect(worker.output()).toContain("'celery.task.name': 'cli_test.multiply'");
    } finally {
      if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGTERM');
      await worker.exited;
      await scope.cleanup();
    }
  });
});
