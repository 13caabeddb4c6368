import { describe, expect, it } from 'vitest';
import { chain, chord, createClient, group, type Client } from '@celeriac/client';
import { signature, type SignatureJson } from '@celeriac/protocol';
import { implementTask } from '@celeriac/worker';
import { Fixture } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(fx: Fixture): {
  client: Client;
  s: (task: string, ...args: unknown[]) => SignatureJson;
} {
  const client = createClient({ transport: fx.producer, backend: fx.results });
  const s = (task: string, ...args: unknown[]) =>
    signature({ task, args, options: { queue: fx.queue } });
  return { client, s };
}

const tasks = (log: string[] = []) => [
  implementTask('t.add', async (_c, a: number, b: number) => a + b),
  implementTask('t.mul', async (_c, a: number, b: number) => a * b),
  implementTask('t.tsum', async (_c, xs: number[]) => xs.reduce((a, b) => a + b, 0)),
  implementTask('t.list', async (_c, ...xs: unknown[]) => xs),
  implementTask('t.fail', async (_c, ...args: unknown[]) => {
    throw new Error(String(args[args.length - 1]));
  }),
  implementTask('t.slow', async (_c, ms: number, value: unknown) => {
    await sleep(ms);
    return value;
  }),
  implementTask('t.log', async (_c, ...args: unknown[]) => void log.push(JSON.stringify(args))),
];

describe('canvas on a celeriac worker (memory)', () => {
  it('runs a four-step chain in order; the result is the last step’s', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks()).start();
    const r = await client.send(
      chain(s('t.add', 1, 2), s('t.mul', 10), s('t.add', 5), s('t.mul', 2)),
    );
    expect(await r.get({ timeoutMs: 5000 })).toBe(70); // ((1+2)*10+5)*2
  });

  it('runs a group; GroupResult.get() is in member order', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks(), { concurrency: 4 }).start();
    const g = await client.send(group(s('t.slow', 60, 'a'), s('t.slow', 1, 'b'), s('t.add', 1, 1)));
    expect(await g.get({ timeoutMs: 5000 })).toEqual(['a', 'b', 2]);
    expect(await g.completedCount()).toBe(3);
    expect(await g.ready()).toBe(true);
    await g.save();
    const restored = await client.restoreGroup(g.id);
    expect(restored?.taskIds).toEqual(g.taskIds);
  });

  it('runs a chord: the body gets the header results in group_index order', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks(), { concurrency: 4 }).start();
    const r = await client.send(
      chord(group(s('t.slow', 50, 1), s('t.slow', 1, 2), s('t.slow', 20, 3)), s('t.list')),
    );
    expect(await r.get({ timeoutMs: 5000 })).toEqual([[1, 2, 3]]);
    const meta = await fx.results.get(r.id);
    expect(meta.parentId).toBeTruthy();
    expect(fx.results.resultStore.chords.size).toBe(0);
  });

  it('fails the chord at once when a header task fails: ChordError, errbacks sent', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    const log: string[] = [];
    await fx.worker(tasks(log), { concurrency: 4 }).start();
    const body = { ...s('t.tsum'), options: { queue: fx.queue, link_error: [s('t.log', 'eb')] } };
    const started = Date.now();
    const r = await client.send(
      chord(group(s('t.slow', 1500, 1), s('t.fail', 'boom'), s('t.add', 1, 1)), body),
    );
    const error: unknown = await r.get({ timeoutMs: 5000, propagate: false });
    expect(Date.now() - started).toBeLessThan(1200);
    expect(String((error as Error).message)).toMatch(/Dependency .* raised Error\('boom'\)/);
    expect((await fx.results.get(r.id)).result).toMatchObject({
      excType: 'ChordError',
      excModule: 'celery.exceptions',
    });
    await fx.result(r.id, 'FAILURE');
    const deadline = Date.now() + 3000;
    while (log.length === 0 && Date.now() < deadline) await sleep(20);
    expect(log).toEqual([JSON.stringify([r.id, 'eb'])]);
    // The slow member still finishes and completes the count; the body is not sent again.
    await sleep(1700);
    expect((await fx.results.get(r.id)).status).toBe('FAILURE');
    expect(log).toHaveLength(1);
  });

  it('a chain containing a group runs as a chord (group | step)', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks(), { concurrency: 4 }).start();
    const r = await client.send(
      chain(s('t.add', 1, 1), group(s('t.add', 10), s('t.mul', 3)), s('t.tsum'), s('t.mul', 2)),
    );
    expect(await r.get({ timeoutMs: 5000 })).toBe(36); // ((2+10) + (2*3)) * 2
  });

  it('a chord whose body is a chain', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks(), { concurrency: 4 }).start();
    const r = await client.send(
      chord([s('t.add', 1, 1), s('t.add', 2, 2)], chain(s('t.tsum'), s('t.mul', 10))),
    );
    expect(await r.get({ timeoutMs: 5000 })).toBe(60);
  });

  it('a failing chain step fails every later step, so waiting on the last does not hang', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks()).start();
    for (const position of [0, 1, 2]) {
      const steps = [s('t.add', 1, 1), s('t.add', 1), s('t.add', 1)];
      steps[position] = s('t.fail', `at ${position}`);
      const r = await client.send(chain(...(steps as [SignatureJson, ...SignatureJson[]])));
      await expect(r.get({ timeoutMs: 5000 })).rejects.toThrow(`at ${position}`);
    }
  });

  it('an empty chord header sends the body at once with []', async () => {
    await using fx = new Fixture({ simulated: false });
    const { client, s } = setup(fx);
    await fx.worker(tasks()).start();
    const r = await client.send(chord([], s('t.tsum')));
    expect(await r.get({ timeoutMs: 5000 })).toBe(0);
  });
});
