/**
 * `celeriac events` against a Python Celery worker and a celeriac worker started with
 * events on (Redis): `--dump` prints a task's received/started/succeeded from both kinds
 * of worker as JSON lines, and the live view lists both workers online and the tasks.
 */
import { createClient } from '@celeriac/client';
import { waitFor } from '@celeriac/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, CLI_TEST_APP, killLeftovers, spawnCli } from '../support/cli-process.js';
import {
  killPythonChildren,
  redisCase,
  shortId,
  startCeleriacWorker,
  startPythonWorker,
} from '../control/support.js';

afterEach(() => killPythonChildren());
afterAll(() => killLeftovers());

interface DumpedEvent {
  type: string;
  hostname: string;
  uuid?: string;
}

describe('celeriac events', () => {
  it(
    '--dump and the live view show both kinds of worker and their tasks',
    { timeout: 180_000 },
    async () => {
      const broker = redisCase();
      const id = shortId();
      const [pyQueue, tsQueue] = [`cli-ev-py-${id}`, `cli-ev-ts-${id}`];
      const [py, ts] = [`py-${id}@cli`, `ts-${id}@cli`];
      const env = { CLI_TEST_BROKER: broker.url!, CLI_TEST_PREFIX: broker.prefix };
      const python = await startPythonWorker(broker, {
        queue: pyQueue,
        nodename: py,
        events: true,
        heartbeat: 1,
      });
      const worker = await startCeleriacWorker(broker, {
        queue: tsQueue,
        hostname: ts,
        events: true,
      });
      const dump = spawnCli(BIN, ['events', '--dump', '-A', CLI_TEST_APP], { env });
      const view = spawnCli(BIN, ['events', '-F', '0.5', '-A', CLI_TEST_APP], { env });
      const transport = broker.transport();
      const client = createClient({
        transport,
        backend: broker.backend(transport),
        ownTransport: true,
        ownBackend: true,
      });
      try {
        // Heartbeats every second from both: the receivers are listening.
        const events = () =>
          dump
            .stdout()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as DumpedEvent);
        await waitFor(
          () => events().some((e) => e.hostname === py) && events().some((e) => e.hostname === ts),
          {
            timeoutMs: 30_000,
            intervalMs: 200,
            description: 'events from both workers',
          },
        );
        const sent = [
          await client.sendTask('mon.add', [1, 2], {}, { queue: pyQueue }),
          await client.sendTask('mon.add', [3, 4], {}, { queue: tsQueue }),
        ];
        for (const [i, node] of [py, ts].entries()) {
          const uuid = sent[i]!.id;
          await waitFor(
            () => events().some((e) => e.uuid === uuid && e.type === 'task-succeeded'),
            { timeoutMs: 30_000, intervalMs: 200, description: `task-succeeded of ${uuid}` },
          ).catch((error: unknown) => {
            const seen = events().filter((e) => e.type !== 'worker-heartbeat');
            const detail = `events: ${JSON.stringify(seen)}\nworker: ${python.output().slice(-3000)}`;
            throw new Error(`${String(error)}\n${detail}`);
          });
          const types = events()
            .filter((e) => e.uuid === uuid)
            .map((e) => [e.type, e.hostname]);
          expect(types).toEqual(
            expect.arrayContaining([
              ['task-received', node],
              ['task-started', node],
              ['task-succeeded', node],
            ]),
          );
        }
        await view.waitFor(new RegExp(`${sent[1]!.id} mon\\.add\\s+SUCCESS`), 30_000);
        const frames = view.stdout().split(/^(?=celeriac events on )/m);
        const last = frames.filter((frame) => frame.includes(sent[1]!.id)).at(-1) ?? '';
        expect(last).toMatch(new RegExp(`${py}\\s+ONLINE`));
        expect(last).toMatch(new RegExp(`${ts}\\s+ONLINE`));
        for (const cli of [dump, view]) process.kill(cli.child.pid!, 'SIGINT');
        expect((await dump.exited).code).toBe(0);
        expect((await view.exited).code).toBe(0);
      } finally {
        await client.close();
        await worker.stop();
        await python.stop();
        await broker.cleanup();
      }
    },
  );
});
