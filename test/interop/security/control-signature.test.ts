/**
 * The control-key signature travels in a header Python workers ignore: a real Celery 5.2
 * worker on Redis answers a signed `ping` and runs a signed `rate_limit` (a changing
 * command) exactly as it would unsigned. So `celeriac control` and `app.control` can sign
 * every request they send to a mixed fleet. The celeriac worker's side (refusing unsigned
 * changing commands) is the worker's wiring; the gate itself is unit-tested in
 * packages/protocol/test/control-auth.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTROL_SIGNATURE_HEADER,
  Pidbox,
  controlCommandKind,
  createControlAuthorizer,
  decodeControlReply,
  decodeControlRequest,
  encodeControlRequest,
  uuid4,
  type ControlReply,
} from '@celeriac/protocol';
import { createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import {
  REDIS_URL,
  killPythonChildren,
  shortId,
  startPythonWorker,
} from '../worker/support/python.js';
import { deleteRedisKeys } from '../worker/support/redis.js';

const KEY = 'an example control key of 32 b.';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a signed control request on a Python worker', () => {
  it('Redis: Celery 5.2 answers a signed ping and runs a signed rate_limit', async () => {
    const id = shortId();
    const prefix = `celeriac-sec-${id}:`;
    const queue = `sec.${id}`;
    cleanups.push(() => deleteRedisKeys(prefix, []));
    const worker = await startPythonWorker({ broker: REDIS_URL, prefix, queue }, [queue]);
    cleanups.push(() => worker.stop());
    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(() => transport.close());
    await transport.connect();

    const oid = uuid4();
    const replyQueue = Pidbox.replyQueue(oid);
    await transport.declareExchange({ name: Pidbox.replyExchange, type: 'direct', durable: false });
    await transport.declareQueue({ name: replyQueue, durable: false, autoDelete: true });
    await transport.bindQueue({
      queue: replyQueue,
      exchange: Pidbox.replyExchange,
      routingKey: oid,
    });
    const replies: ControlReply[] = [];
    const subscription = await transport.consume(
      [replyQueue],
      (delivery) => {
        replies.push(decodeControlReply(delivery.message));
        void delivery.ack();
      },
      { prefetch: 0 },
    );
    cleanups.push(() => subscription.cancel());

    const gate = createControlAuthorizer({ key: KEY });
    const ask = async (method: string, args: Record<string, unknown>) => {
      const ticket = uuid4();
      const message = encodeControlRequest(
        {
          method,
          arguments: args,
          destination: [worker.nodename],
          pattern: null,
          matcher: null,
          ticket,
          replyTo: { exchange: Pidbox.replyExchange, routingKey: oid },
        },
        { clock: 1, timeout: 5, key: KEY },
      );
      expect(message.headers[CONTROL_SIGNATURE_HEADER]).toMatch(/^t=\d+,n=[\w-]+,v1=[0-9a-f]{64}$/);
      // What a celeriac worker would decide on the same message (ping needs no signature).
      expect(gate.authorize(message, decodeControlRequest(message))).toEqual({
        allowed: true,
        signed: controlCommandKind(method) === 'changing',
      });
      await transport.publish(message, { exchange: Pidbox.exchange, routingKey: '' });
      const reply = await waitFor(() => replies.find((r) => r.ticket === ticket), 10_000);
      return reply;
    };

    const pong = await ask('ping', {});
    expect(pong.hostname).toBe(worker.nodename);
    expect(pong.value).toEqual({ ok: 'pong' });
    const limited = await ask('rate_limit', { task_name: 'wk.add', rate_limit: '10/m' });
    expect(limited.value).toEqual({ ok: 'new rate limit set successfully' });
    await worker.waitFor(/New rate limit for tasks of type wk\.add: 10\/m/, 5000);
  });
});
