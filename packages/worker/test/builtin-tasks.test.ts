import { describe, expect, it } from 'vitest';
import { chain, chunks, createClient, map, starmap } from '@celeriac/client';
import { signature, type SignatureJson } from '@celeriac/protocol';
import { implementTask } from '@celeriac/worker';
import { Fixture } from './support.js';

const s = (task: string, ...args: unknown[]): SignatureJson => signature({ task, args });
const T = { timeoutMs: 5_000 };

async function setup() {
  const fx = new Fixture({ simulated: false });
  const w = fx.worker([
    implementTask('proj.add', async (_c, a: number, b: number) => a + b),
    implementTask('proj.square', async (_c, x: number) => x * x),
    implementTask('proj.tsum', async (_c, xs: number[]) => xs.reduce((t, x) => t + x, 0)),
  ]);
  await w.start();
  const client = createClient({
    transport: fx.producer,
    backend: fx.results,
    defaultQueue: fx.queue,
  });
  return {
    fx,
    client,
    async [Symbol.asyncDispose]() {
      await client.close();
      await fx[Symbol.asyncDispose]();
    },
  };
}

describe("Celery's builtins on a celeriac worker", () => {
  it('celery.map and celery.starmap run the task on each item, in order', async () => {
    await using t = await setup();
    const squares = await t.client.send(map(s('proj.square'), [1, 2, 3]));
    expect(await squares.get(T)).toEqual([1, 4, 9]);
    const sums = await t.client.send(
      starmap(s('proj.add'), [
        [1, 2],
        [3, 4],
      ]),
    );
    expect(await sums.get(T)).toEqual([3, 7]);
    const chained = await t.client.send(chain(map(s('proj.square'), [1, 2, 3]), s('proj.tsum')));
    expect(await chained.get(T)).toBe(14);
  });

  it('chunks run as a group of celery.starmap tasks', async () => {
    await using t = await setup();
    const parts = await t.client.send(
      chunks(
        s('proj.add'),
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        2,
      ),
    );
    expect(await parts.get(T)).toEqual([[2, 4], [6]]);
  });

  it('a celery.chunks task (as Celery names the chunks signature) sends the starmap group', async () => {
    await using t = await setup();
    const sent = await t.client.sendTask('celery.chunks', [], {
      task: s('proj.add'),
      it: [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      n: 2,
    });
    expect(await sent.get(T)).toBeNull();
    // The two starmap chunks were published (by the worker) and ran, in one group.
    const published = t.fx.transports[0]!.published.filter(
      (p) => p.message.headers.task === 'celery.starmap',
    );
    expect(published).toHaveLength(2);
    expect(new Set(published.map((p) => p.message.headers.group)).size).toBe(1);
    const results = await Promise.all(
      published.map(
        async (p) => (await t.fx.result(String(p.message.headers.id), 'SUCCESS')).result,
      ),
    );
    expect(results).toEqual([[2, 4], [6]]);
  });

  it('celery.map of an unknown task fails with NotRegistered', async () => {
    await using t = await setup();
    const r = await t.client.send(map(s('proj.nosuch'), [1]));
    await expect(r.get(T)).rejects.toMatchObject({ excType: 'NotRegistered' });
  });
});
