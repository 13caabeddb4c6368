import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryTransport } from '@celeriac/memory';
import {
  CONTROL_SIGNATURE_HEADER,
  ControlAuthorizationError,
  decodeControlRequest,
  verifyControlRequest,
} from '@celeriac/protocol';
import type { BrokerMessage } from '@celeriac/protocol';
import { controlKeyFromEnv, createApp, readControlKeyFile } from 'celeriac';

const KEY = 'k'.repeat(32);

/** Every control request published on `broker` (a queue bound to `celery.pidbox`). */
async function spy(broker: string): Promise<{ messages: BrokerMessage[]; close(): Promise<void> }> {
  const transport = createMemoryTransport(broker);
  await transport.connect();
  await transport.declareExchange({ name: 'celery.pidbox', type: 'fanout' });
  await transport.declareQueue({ name: 'spy.celery.pidbox' });
  await transport.bindQueue({
    queue: 'spy.celery.pidbox',
    exchange: 'celery.pidbox',
    routingKey: '',
  });
  const messages: BrokerMessage[] = [];
  await transport.consume(
    ['spy.celery.pidbox'],
    (delivery) => {
      messages.push(delivery.message);
      void delivery.ack();
    },
    { prefetch: 10 },
  );
  return { messages, close: () => transport.close() };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the control key on the sending side', () => {
  it('app.control signs every request with the key; the signature verifies', async () => {
    const broker = `memory://control-key-${Date.now()}`;
    const seen = await spy(broker);
    await using app = createApp({ broker, controlKey: KEY });
    await app.control.rateLimit('proj.add', '10/m');
    await app.control.shutdown({ destination: ['w1@host'] });
    await until(() => seen.messages.length === 2);
    for (const message of seen.messages) {
      expect(String(message.headers[CONTROL_SIGNATURE_HEADER])).toMatch(
        /^t=\d+,n=[\w-]+,v1=[0-9a-f]{64}$/,
      );
      expect(verifyControlRequest(message, KEY).timestamp).toBeGreaterThan(Date.now() - 10_000);
      // Another key does not verify it.
      expect(() => verifyControlRequest(message, 'x'.repeat(32))).toThrow(
        ControlAuthorizationError,
      );
    }
    const methods = seen.messages.map((m) => decodeControlRequest(m).method);
    expect(methods).toEqual(['rate_limit', 'shutdown']);
    // A changed body no longer verifies.
    const tampered = {
      ...seen.messages[0]!,
      body: new TextEncoder().encode('{"method":"shutdown"}'),
    };
    expect(() => verifyControlRequest(tampered, KEY)).toThrow(/bad-signature|signature/);
    await seen.close();
  });

  it('sends unsigned without a key, as Celery does', async () => {
    const broker = `memory://control-nokey-${Date.now()}`;
    const seen = await spy(broker);
    await using app = createApp({ broker });
    await app.control.rateLimit('proj.add', '10/m');
    await until(() => seen.messages.length === 1);
    expect(seen.messages[0]!.headers[CONTROL_SIGNATURE_HEADER]).toBeUndefined();
    await seen.close();
  });

  it('reads the key from a file (one trailing newline dropped) or the variable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'control-key-'));
    const file = path.join(dir, 'control.key');
    writeFileSync(file, `${KEY}\n`);
    expect(Buffer.from(readControlKeyFile(file)).toString()).toBe(KEY);
    writeFileSync(file, `${KEY}\r\n`);
    expect(Buffer.from(readControlKeyFile(file)).toString()).toBe(KEY);
    writeFileSync(file, 'short\n');
    expect(() => readControlKeyFile(file)).toThrow(
      `the control key in ${file} is 5 bytes; at least 16 are needed`,
    );
    expect(() => readControlKeyFile(path.join(dir, 'missing'))).toThrow(
      /^cannot read the control key file .*missing: ENOENT$/,
    );
    expect(controlKeyFromEnv({ CELERIAC_CONTROL_KEY: KEY })).toEqual(new TextEncoder().encode(KEY));
    expect(controlKeyFromEnv({})).toBeUndefined();
    expect(() => controlKeyFromEnv({ CELERIAC_CONTROL_KEY: 'abc' })).toThrow(
      /\$CELERIAC_CONTROL_KEY is 3 bytes/,
    );
  });
});
