/**
 * Ports for the private servers tests start (a Redis, a RabbitMQ node, a metrics port), so
 * that they never touch the shared brokers and run in parallel without clashing.
 */
import { createServer } from 'node:net';

/**
 * A TCP port on loopback that nothing listens on when this resolves (the system's choice
 * of a free one; another process could still take it before the caller binds it).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * spawn('redis-server', ['--port', String(port)]);
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('the system gave no port')),
      );
    });
  });
}
