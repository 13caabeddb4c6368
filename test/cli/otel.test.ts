/**
 * OpenTelemetry installed by the CLI from the standard variables alone: a task sent by
 * `celeriac call` and run by `celeriac worker` arrives at an OTLP/HTTP receiver as one
 * trace (the client's send span, the worker's process span under it), and
 * a traceparent a Python client put in the headers parents the worker's span, and
 * `OTEL_TRACES_EXPORTER=console` prints spans.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celeriac/testing';
import { BIN, CLI_TEST_APP, killLeftovers, runCli, spawnCli } from '../support/cli-process.js';
import { redisScope } from '../support/cli-redis.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { jsonLines, runPython } from '../support/python-celery.js';

afterAll(() => killLeftovers());

/** A CLI worker exporting its spans to a local OTLP/HTTP receiver, on its own Redis names. */
async function tracedWorker() {
  const receiver = await startOtlpReceiver();
  const scope = redisScope();
  const env = {
    ...scope.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  const worker = spawnCli(BIN, ['worker', '-A', CLI_TEST_APP, '-c', '1'], { env });
  return { receiver, scope, env, worker };
}

describe('OpenTelemetry from OTEL_* variables', () => {
  it(
    'one trace across call and worker, at an OTLP/HTTP endpoint',
    { timeout: 90_000 },
    async () => {
      const { receiver, scope, env, worker } = await tracedWorker();
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
            'messaging.message.conversation_id': taskId,
          },
        });
        // Linked to the creation context as well as its child (the conventions' link).
        expect(processSpan!.links).toContainEqual(
          expect.objectContaining({ traceId: send!.traceId, spanId: send!.spanId }),
        );
      } finally {
        if (worker.child.exitCode === null) process.kill(worker.child.pid!, 'SIGTERM');
        await worker.exited;
        await receiver.close();
        await scope.cleanup();
      }
    },
  );

  it(
    'a traceparent a Python Celery client put in the headers parents the worker’s span',
    { timeout: 90_000 },
    async () => {
      const { receiver, scope, worker } = await tracedWorker();
      try {
        await worker.waitFor('ready');
        // What opentelemetry-instrumentation-celery writes, made by hand: that package is
        // not installable here. A W3C traceparent among the message's headers.
        const traceId = randomBytes(16).toString('hex');
        const parentId = randomBytes(8).toString('hex');
        const script = [
          'import json, os',
          'from celery import Celery',
          "app = Celery('otel', broker=os.environ['CLI_TEST_BROKER'])",
          "app.conf.broker_transport_options = {'global_keyprefix': os.environ['CLI_TEST_PREFIX']}",
          "r = app.send_task('cli_test.multiply', args=[2, 5], queue=os.environ['CLI_TEST_QUEUE'],",
          "                  headers={'traceparent': os.environ['TP']})",
          "print(json.dumps({'id': r.id}))",
        ].join('\n');
        const out = await runPython(['-c', script], {
          dir: process.cwd(),
          env: { ...scope.env, TP: `00-${traceId}-${parentId}-01` },
        });
        const taskId = String(jsonLines(out)[0]!['id']);
        const span = await waitFor(
          () =>
            receiver.spans.find(
              (s) => s.kind === 5 && s.attributes['messaging.message.id'] === taskId,
            ),
          { timeoutMs: 20_000, description: 'the worker’s process span' },
        );
        expect(span).toMatchObject({ traceId, parentSpanId: parentId });
        expect(span.links).toContainEqual(expect.objectContaining({ traceId, spanId: parentId }));
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
