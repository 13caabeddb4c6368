import { createAmqpTransport, createRpcResultBackend, RpcBackendError } from '@celeriac/amqp';
import type { BrokerMessage } from '@celeriac/protocol';
import { collectDeliveries, resultMeta } from '@celeriac/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, argumentMap, queueInfo, recordingLogger, unique } from './support/rabbitmq.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

describe('rpc:// result backend as Celery 5.2 has it', () => {
  it('declares its reply queue <oid> transient, auto-delete, expiring after the result expiry', async () => {
    const oid = unique('oid');
    const backend = createRpcResultBackend(AMQP_URL, {
      oid,
      expiresMs: 3_600_000,
      transportOptions: { logger: recordingLogger() },
    });
    cleanup.push(() => backend.close());
    await backend.connect();
    expect(backend.replyTo).toBe(oid);
    const info = await queueInfo(oid);
    expect(info).toMatchObject({ durable: false, auto_delete: true, exclusive: false });
    expect(argumentMap(info!.arguments)).toEqual({ 'x-expires': ['signedint', 3_600_000] });
  });

  it('sends each state as a transient message to reply_to, body exactly as Celery’s rpc backend', async () => {
    const transport = createAmqpTransport(AMQP_URL, { logger: recordingLogger() });
    cleanup.push(() => transport.close());
    const replyTo = unique('reply');
    await transport.declareQueue({ name: replyTo, durable: false, autoDelete: true });
    const collector = await collectDeliveries(transport, [replyTo], { autoAck: true });
    const worker = createRpcResultBackend(AMQP_URL, { transport });
    const id = unique('task');
    const failure = resultMeta(
      id,
      'FAILURE',
      { excType: 'ValueError', excMessage: ['bad'], excModule: 'builtins' },
      { traceback: 'Traceback…' },
    );
    expect(await worker.store(failure, { replyTo, correlationId: id })).toBe(true);
    const [delivery] = await collector.waitForCount(1);
    const message: BrokerMessage = delivery!.message;
    expect(delivery!.exchange).toBe('');
    expect(delivery!.routingKey).toBe(replyTo);
    expect(message.properties).toMatchObject({ correlationId: id, deliveryMode: 1 });
    expect(message.contentType).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(message.body))).toEqual({
      task_id: id,
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' },
      traceback: 'Traceback…',
      children: [],
    });
  });

  it('refuses to store without reply_to, and refuses groups, with RpcBackendError', async () => {
    const backend = createRpcResultBackend(AMQP_URL, {
      transportOptions: { logger: recordingLogger() },
    });
    cleanup.push(() => backend.close());
    await expect(backend.store(resultMeta('t1', 'SUCCESS', 1))).rejects.toMatchObject({
      name: 'RpcBackendError',
      reason: 'no-reply-to',
      code: 'ERR_TRANSPORT',
      message: expect.stringMatching(/needs the task message's reply_to/) as unknown,
    });
    await expect(backend.saveGroup({ groupId: 'g', taskIds: ['a'] })).rejects.toBeInstanceOf(
      RpcBackendError,
    );
    expect(await backend.getGroup('g')).toBeUndefined();
  });

  it('keeps the latest state per task and never lets a late non-ready state replace a ready one', async () => {
    const reader = createRpcResultBackend(AMQP_URL, {
      transportOptions: { logger: recordingLogger() },
    });
    const writerA = createRpcResultBackend(AMQP_URL, {
      transportOptions: { logger: recordingLogger() },
    });
    const writerB = createRpcResultBackend(AMQP_URL, {
      transportOptions: { logger: recordingLogger() },
    });
    cleanup.push(
      () => reader.close(),
      () => writerA.close(),
      () => writerB.close(),
    );
    await reader.connect();
    const id = unique('task');
    const context = { replyTo: reader.replyTo, correlationId: id };
    await writerA.store(resultMeta(id, 'SUCCESS', 'first'), context);
    // A second worker (a redelivery) knows nothing of the first and sends STARTED, then FAILURE.
    await writerB.store(resultMeta(id, 'STARTED'), context);
    await writerB.store(
      resultMeta(id, 'FAILURE', { excType: 'E', excMessage: [], excModule: 'builtins' }),
      context,
    );
    await expect(reader.wait(id, { timeoutMs: 5000 })).resolves.toMatchObject({
      status: 'SUCCESS',
      result: 'first',
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await reader.get(id)).toMatchObject({ status: 'SUCCESS', result: 'first' });
  });
});
