import { describe, expect, it } from 'vitest';
import { ConnectionLostError, PublishError, TransportError } from '@celeriac/protocol';
import { DEFAULT_RETRY_POLICY, retryDelayMs } from '@celeriac/client';
import { FlakyTransport, Fixture } from './support.js';

const lost = () => new ConnectionLostError('socket closed');

describe('publish retry (kombu retry_policy)', () => {
  it('retries a lost connection and publishes once it is back', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    flaky.failNext(2, lost);
    const client = fx.makeClient({ transport: flaky, publishRetry: { intervalStep: 0.01 } });
    const result = await client.sendTask('proj.add', [1, 2]);
    expect(flaky.attempts).toBe(3);
    const { task } = await fx.takeTask();
    expect(task.headers.id).toBe(result.id);
    await client.close();
  });

  it('retries retryable transport errors; gives up after maxRetries with the task name and id', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    flaky.failNext(10, () => new TransportError('READONLY replica', { retryable: true }));
    const client = fx.makeClient({
      transport: flaky,
      publishRetry: { maxRetries: 2, intervalStart: 0, intervalStep: 0.005, intervalMax: 0.01 },
    });
    const error = await client
      .sendTask('proj.add', [], {}, { taskId: 'id-123' })
      .catch((e: unknown) => e);
    expect(flaky.attempts).toBe(3);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).message).toBe(
      'cannot send task proj.add[id-123]: READONLY replica',
    );
    expect((error as PublishError).cause).toBeInstanceOf(TransportError);
    expect(await fx.transport.queueLength('celery')).toBe(0);
    await client.close();
  });

  it('a lost connection that outlasts the retries surfaces as ConnectionLostError', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    flaky.failNext(5, lost);
    const client = fx.makeClient({ transport: flaky, publishRetry: { maxRetries: 1 } });
    const error = await client
      .sendTask('proj.x', [], {}, { taskId: 'abc' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toBe('cannot send task proj.x[abc]: socket closed');
    expect(flaky.attempts).toBe(2);
    await client.close();
  });

  it('non-retryable errors are not retried; publishRetry: false and retry: false disable it', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    const client = fx.makeClient({ transport: flaky, publishRetry: false });
    flaky.failNext(1, () => new PublishError('nacked'));
    await expect(client.sendTask('a')).rejects.toBeInstanceOf(PublishError);
    expect(flaky.attempts).toBe(1);
    flaky.failNext(1, lost);
    await expect(client.sendTask('a')).rejects.toBeInstanceOf(ConnectionLostError);
    expect(flaky.attempts).toBe(2);

    const retrying = fx.makeClient({ transport: flaky });
    flaky.failNext(1, lost);
    await expect(retrying.sendTask('a', [], {}, { retry: false })).rejects.toBeInstanceOf(
      ConnectionLostError,
    );
    expect(flaky.attempts).toBe(3);
    await client.close();
    await retrying.close();
  });

  it('waits between attempts per the policy', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    flaky.failNext(3, lost);
    const client = fx.makeClient({
      transport: flaky,
      publishRetry: { maxRetries: 3, intervalStart: 0.02, intervalStep: 0.02, intervalMax: 0.03 },
    });
    const started = performance.now();
    await client.sendTask('a');
    // 20 + 30 (capped) + 30 (capped) ms
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    await client.close();
  });

  it('an abort stops the retries with the signal reason', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    flaky.failNext(100, lost);
    const client = fx.makeClient({
      transport: flaky,
      publishRetry: {
        maxRetries: Infinity,
        intervalStart: 0.01,
        intervalStep: 0,
        intervalMax: 0.01,
      },
    });
    const reason = new Error('user gave up');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(client.sendTask('a', [], {}, { signal: controller.signal })).rejects.toBe(reason);
    expect(flaky.attempts).toBeGreaterThan(1);
    await client.close();
  });

  it("Celery's default policy: 3 retries, 0 s then 0.2 s", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxRetries: 3,
      intervalStart: 0,
      intervalStep: 0.2,
      intervalMax: 0.2,
    });
    expect([0, 1, 2].map((i) => retryDelayMs(DEFAULT_RETRY_POLICY, i))).toEqual([0, 200, 200]);
  });

  it('a failed declaration is retried too, and forgotten so the next send declares again', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    let failDeclare = 2;
    flaky.declareQueue = async (spec) => {
      if (failDeclare-- > 0) throw lost();
      return fx.transport.declareQueue(spec);
    };
    const client = fx.makeClient({ transport: flaky, publishRetry: { intervalStep: 0 } });
    await client.sendTask('a');
    expect(await fx.transport.queueLength('celery')).toBe(1);
    await client.close();
  });
});
