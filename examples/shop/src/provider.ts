/**
 * A fake notification provider (email, SMS, pager) over HTTP on 127.0.0.1 at a random
 * port: the tasks call it with `fetch`, as they would call a real one. It answers 422 (a
 * permanent refusal) to every SMS for the phone numbers in `rejectedPhones`, 503 (an
 * outage: worth retrying) to every email and SMS of the orders in `outageOrders`, and
 * records every request with the status it answered.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the provider accepted. */
export interface Delivered {
  readonly channel: string;
  readonly body: Record<string, string>;
}

/** One request the provider received, and the status it answered. */
export interface Received extends Delivered {
  readonly status: number;
}

/** A running fake provider; close it with `await using` or `close()`. */
export interface FakeProvider extends AsyncDisposable {
  readonly url: string;
  readonly delivered: readonly Delivered[];
  readonly received: readonly Received[];
  /** Resolves once a request on `channel` matching `match` arrives (or rejects after `timeoutMs`). */
  waitFor(
    channel: string,
    match: (body: Record<string, string>) => boolean,
    timeoutMs: number,
  ): Promise<Delivered>;
  close(): Promise<void>;
}

/** Start the provider. */
export async function startFakeProvider(options: {
  rejectedPhones?: readonly string[];
  outageOrders?: readonly string[];
  latencyMs?: number;
}): Promise<FakeProvider> {
  const delivered: Delivered[] = [];
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  let sequence = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const channel = (req.url ?? '/').slice(1);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
        string,
        string
      >;
      const refuse = (status: number, error: string) => {
        received.push({ channel, body, status });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error }));
      };
      setTimeout(() => {
        if (channel !== 'pager' && options.outageOrders?.includes(body['order'] ?? '')) {
          refuse(503, `${channel} gateway unavailable`);
          return;
        }
        if (channel === 'sms' && options.rejectedPhones?.includes(body['to'] ?? '')) {
          refuse(422, `carrier rejected ${body['to']}`);
          return;
        }
        received.push({ channel, body, status: 200 });
        delivered.push({ channel, body });
        for (const wake of waiters) wake();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ channel, messageId: `${channel}-${++sequence}` }));
      }, options.latencyMs ?? 30);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const provider: FakeProvider = {
    url: `http://127.0.0.1:${port}`,
    delivered,
    received,
    waitFor(channel, match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = delivered.find((d) => d.channel === channel && match(d.body));
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${channel} request within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    [Symbol.asyncDispose]() {
      return provider.close();
    },
  };
  return provider;
}
