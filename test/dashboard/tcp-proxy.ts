/**
 * A TCP proxy on loopback between one client (a worker) and its broker, so a test can
 * cut that client's connection — and only that one — then let it reconnect, while the
 * broker and everyone else connected to it directly stay up.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Close every connection and refuse new ones. */
  cut(): void;
  /** Accept connections again. */
  restore(): void;
  close(): Promise<void>;
}

/** Proxy `127.0.0.1:<port>` to `127.0.0.1:<target>`. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A reset is what the test asks for; the other side is destroyed with it.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    port: address.port,
    cut() {
      open = false;
      destroyAll();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
