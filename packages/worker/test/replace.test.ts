import { describe, expect, it } from 'vitest';
import { chain, chord, createClient, group, link, linkError } from '@celeriac/client';
import { RemoteTaskError, signature, type SignatureJson } from '@celeriac/protocol';
import { implementTask, type TaskImplementation } from '@celeriac/worker';
import { Fixture } from './support.js';

const s = (task: string, ...args: unknown[]): SignatureJson => signature({ task, args });
const si = (task: string, ...args: unknown[]): SignatureJson =>
  signature({ task, args, immutable: true });

/** A worker with `add`, `tsum`, `fail`, `record` and `proj.replace` (→ `replacement`). */
async function setup(replacement: (n: number) => SignatureJson, extra: TaskImplementation[] = []) {
  const fx = new Fixture({ simulated: false });
  const recorded: unknown[][] = [];
  const w = fx.worker([
    implementTask('proj.add', async (_c, a: number, b: number) => a + b),
    implementTask('proj.tsum', async (_c, xs: number[]) => xs.reduce((t, x) => t + x, 0)),
    implementTask('proj.fail', async () => {
      throw new Error('replacement failed');
    }),
    implementTask('proj.record', async (_c, ...args: unknown[]) => void recorded.push(args)),
    implementTask('proj.replace', (ctx, n: number) => ctx.replace(replacement(n))),
    ...extra,
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
    recorded,
    async [Symbol.asyncDispose]() {
      await client.close();
      await fx[Symbol.asyncDispose]();
    },
  };
}

const T = { timeoutMs: 5_000 };

describe('ctx.replace (Celery Task.replace)', () => {
  it('the replacement’s result is stored under the replaced task’s id', async () => {
    await using t = await setup((n) => si('proj.add', n, 100));
    const result = await t.client.send(si('proj.replace', 1));
    expect(await result.get(T)).toBe(101);
  });

  it('a replacing chain: its last step takes the id; the task’s links run after it', async () => {
    await using t = await setup((n) => chain(si('proj.add', n, 1), s('proj.add', 10)));
    const result = await t.client.send(link(si('proj.replace', 1), s('proj.record', 'linked')));
    expect(await result.get(T)).toBe(12);
    await t.fx.result(result.id, 'SUCCESS');
    await expect.poll(() => t.recorded).toEqual([[12, 'linked']]);
  });

  it('in a chain: the rest of the chain runs after the replacement, with its result', async () => {
    await using t = await setup((n) => chain(si('proj.add', n, 1), s('proj.add', 10)));
    const result = await t.client.send(
      chain(si('proj.add', 1, 1), s('proj.replace'), s('proj.add', 1000)),
    );
    expect(await result.get(T)).toBe(1013);
  });

  it('in a chord header: the replacement counts as the replaced part, in its place', async () => {
    await using t = await setup((n) => chain(si('proj.add', n, 1), s('proj.add', 10)));
    const result = await t.client.send(
      chord(
        group(si('proj.add', 1, 1), si('proj.replace', 5), si('proj.add', 2, 2)),
        s('proj.tsum'),
      ),
    );
    expect(await result.get(T)).toBe(2 + 16 + 4);
  });

  it('replaced by a chord: the chord’s body result is the task’s result', async () => {
    await using t = await setup((n) =>
      chord(group(si('proj.add', n, 1), si('proj.add', n, 2)), s('proj.tsum')),
    );
    const result = await t.client.send(chain(si('proj.replace', 1), s('proj.add', 100)));
    expect(await result.get(T)).toBe(105);
  });

  it('replaced by a group: the task’s result is the list of its results (celery.accumulate)', async () => {
    await using t = await setup((n) => group(si('proj.add', n, 1), si('proj.add', n, 2)));
    const result = await t.client.send(si('proj.replace', 10));
    expect(await result.get(T)).toEqual([11, 12]);
  });

  it('a failing replacement fails the task’s id and calls the task’s errbacks', async () => {
    await using t = await setup(() => si('proj.fail'));
    const result = await t.client.send(
      linkError(si('proj.replace', 1), si('proj.record', 'errback')),
    );
    const error: unknown = await result.get(T).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect((error as RemoteTaskError).excMessage).toEqual(['replacement failed']);
    await expect.poll(() => t.recorded).toEqual([['errback']]);
  });

  it('a replacement that is part of a chord is refused: the task fails', async () => {
    await using t = await setup(() =>
      signature({ task: 'proj.add', args: [1, 1], options: { chord: s('proj.tsum') } }),
    );
    const result = await t.client.send(si('proj.replace', 1));
    const error: unknown = await result.get(T).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(String((error as RemoteTaskError).excMessage[0])).toMatch(/must not be part of a chord/);
  });
});
