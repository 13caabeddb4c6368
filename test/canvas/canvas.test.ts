/**
 * Canvas end to end through `createApp` and a celeriac worker, on Redis and on RabbitMQ
 * with results in Redis: chain, group, chord, a chain containing a group, a chord whose
 * body is a chain, and a failure in every position — each surfaces as a RemoteTaskError
 * (ChordError for a chord's header) within the `get` timeout, nothing hangs.
 */
import { describe, expect, it } from 'vitest';
import { chain, chord, chunks, group, map, starmap } from 'celeriac';
import { BROKERS, canvasApp, remoteError } from './support.js';

const T = { timeoutMs: 15_000 };

describe.each(BROKERS)('canvas on $name', ({ broker, backend }) => {
  it('chain, group and chord', async () => {
    await using fx = await canvasApp(broker, backend);
    const c = await fx.client.send(chain(fx.add.s(1, 2), fx.add.s(3), fx.add.s(4)));
    expect(await c.get(T)).toBe(10);
    const g = await fx.client.send(group(fx.add.si(1, 1), fx.add.si(2, 2), fx.add.si(3, 3)));
    expect(await g.get(T)).toEqual([2, 4, 6]);
    const members = Array.from({ length: 10 }, (_, i) => fx.add.si(i, i));
    const ch = await fx.client.send(chord(group(members), fx.tsum.s()));
    expect(await ch.get(T)).toBe(90);
  }, 60_000);

  it('a chain containing a group (it becomes a chord) and a chord whose body is a chain', async () => {
    await using fx = await canvasApp(broker, backend);
    const c = await fx.client.send(
      chain(fx.add.si(1, 1), group(fx.add.s(1), fx.add.s(2)), fx.tsum.s(), fx.add.s(100)),
    );
    expect(await c.get(T)).toBe(107);
    const ch = await fx.client.send(
      chord(group(fx.add.si(1, 1), fx.add.si(2, 2)), chain(fx.tsum.s(), fx.add.s(10))),
    );
    expect(await ch.get(T)).toBe(16);
  }, 60_000);

  it.each([
    ['first', 0],
    ['middle', 1],
    ['last', 2],
  ] as const)(
    'a chain failing at its %s step fails its result',
    async (_where, at) => {
      await using fx = await canvasApp(broker, backend);
      const steps = [fx.add.si(1, 1), fx.add.s(1), fx.add.s(1)];
      steps[at] = at === 0 ? fx.fail.si('first') : fx.fail.s();
      const [a, b, c] = steps as [(typeof steps)[0], (typeof steps)[1], (typeof steps)[2]];
      const result = await fx.client.send(chain(a, b, c));
      const error = await remoteError(result.get(T));
      expect(error.excType).toBe('Boom');
      expect(String(error.excMessage[0])).toBe(at === 0 ? 'boom "first"' : `boom ${at + 1}`);
    },
    60_000,
  );

  it('a chord whose header member fails fails with ChordError, at once', async () => {
    await using fx = await canvasApp(broker, backend);
    const result = await fx.client.send(
      chord(group(fx.add.si(1, 1), fx.fail.si('member'), fx.add.si(2, 2)), fx.tsum.s()),
    );
    const error = await remoteError(result.get(T));
    expect(error.excType).toBe('ChordError');
    expect(String(error.excMessage[0])).toMatch(
      /^Dependency [0-9a-f-]{36} raised Boom\('boom "member"'\)$/,
    );
  }, 60_000);

  it('a chord whose body fails fails with the body error', async () => {
    await using fx = await canvasApp(broker, backend);
    const result = await fx.client.send(
      chord(group(fx.add.si(1, 1), fx.add.si(2, 2)), fx.fail.s()),
    );
    const error = await remoteError(result.get(T));
    expect(error.excType).toBe('Boom');
    expect(String(error.excMessage[0])).toBe('boom [2,4]');
  }, 60_000);

  it('a chord whose body chain fails in its last step fails the chain result', async () => {
    await using fx = await canvasApp(broker, backend);
    const result = await fx.client.send(
      chord(group(fx.add.si(1, 1), fx.add.si(2, 2)), chain(fx.tsum.s(), fx.fail.s())),
    );
    const error = await remoteError(result.get(T));
    expect(error.excType).toBe('Boom');
    expect(String(error.excMessage[0])).toBe('boom 6');
  }, 60_000);

  it('ctx.replace: in a chain and in a chord header, the replacement takes the task’s place', async () => {
    await using fx = await canvasApp(broker, backend);
    const alone = await fx.replaced.delay(1);
    expect(await alone.get(T)).toBe(12);
    const c = await fx.client.send(chain(fx.add.si(1, 1), fx.replaced.s(), fx.add.s(100)));
    expect(await c.get(T)).toBe(113);
    const ch = await fx.client.send(
      chord(group(fx.add.si(1, 1), fx.replaced.si(5), fx.add.si(2, 2)), fx.tsum.s()),
    );
    expect(await ch.get(T)).toBe(2 + 16 + 4);
  }, 60_000);

  it('map, starmap and chunks run on a celeriac worker (Celery builtins)', async () => {
    await using fx = await canvasApp(broker, backend);
    const m = await fx.client.send(map(fx.tsum.s(), [[1, 2], [3]]));
    expect(await m.get(T)).toEqual([3, 3]);
    const sm = await fx.client.send(
      starmap(fx.add.s(), [
        [1, 2],
        [3, 4],
      ]),
    );
    expect(await sm.get(T)).toEqual([3, 7]);
    const ck = await fx.client.send(
      chunks(
        fx.add.s(),
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        2,
      ),
    );
    expect(await ck.get(T)).toEqual([[2, 4], [6]]);
  }, 60_000);
});
