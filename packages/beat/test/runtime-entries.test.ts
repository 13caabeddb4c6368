// Entries added, changed and removed at run time, through any replica: stored in the
// coordination store, run by whichever replica leads.
import { describe, expect, it } from 'vitest';
import {
  BeatEntryError,
  BeatErrorCode,
  BeatRole,
  EntrySource,
  crontab,
  every,
} from '@celeriac/beat';
import { beatFixture, ticks } from './support.js';

describe('run-time entries', () => {
  it('added on a follower, run by the leader; changed and removed the same way', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const leader = f.replica();
    await leader.start();
    await f.advance(100);
    const follower = f.replica();
    await follower.start();
    await f.advance(100);
    expect([leader.role, follower.role]).toEqual([BeatRole.leader, BeatRole.follower]);

    await follower.add('flush', { task: 'shop.flush', schedule: every(2), args: [42] });
    // Seen by the leader at its next renewal (a third of the lease), counted from the add.
    await f.advance(6_000);
    expect(f.of('flush')).toEqual(ticks('2026-01-01T12:00:02.200Z', 3, 2));
    expect(f.sent.at(-1)).toMatchObject({ task: 'shop.flush', args: [42] });

    // Changed: a new schedule, counted from the change; the run count goes on.
    await follower.add('flush', { task: 'shop.flush', schedule: every(5), args: [43] });
    await f.advance(5_000);
    expect(f.of('flush')).toHaveLength(4);
    expect(f.sent.at(-1)).toMatchObject({
      args: [43],
      scheduledAt: '2026-01-01T12:00:11.200+00:00',
    });
    const listed = await leader.entries();
    expect(listed).toEqual([
      expect.objectContaining({
        name: 'flush',
        source: EntrySource.runtime,
        task: 'shop.flush',
        schedule: { kind: 'interval', seconds: 5 },
        totalRunCount: 4,
        lastRunAt: new Date('2026-01-01T12:00:11.200Z'),
        nextRunAt: new Date('2026-01-01T12:00:16.200Z'),
        problem: undefined,
      }),
    ]);

    expect(await follower.remove('flush')).toBe(true);
    expect(await follower.remove('flush')).toBe(false);
    await f.advance(20_000);
    expect(f.of('flush')).toHaveLength(4);
    expect(await leader.entries()).toEqual([]);
  });

  it('take effect at once when added through the leader itself', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({ leaseMs: 60_000 });
    await beat.start();
    await f.advance(100);
    await beat.add('soon', { task: 'shop.soon', schedule: every(1) });
    await f.advance(1_000);
    expect(f.of('soon')).toEqual(['2026-01-01T12:00:01.100+00:00']);
  });

  it('survive the leader: a new leader runs them from the store', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const first = f.replica();
    await first.start();
    await f.advance(100);
    await first.add('report', { task: 'shop.report', schedule: crontab({ minute: '*' }) });
    await f.advance(60_000);
    await first.stop();
    const second = f.replica();
    await second.start();
    await f.advance(120_000);
    expect(f.of('report')).toEqual(ticks('2026-01-01T12:01:00Z', 3, 60));
  });

  it('refuse a bad entry, a missing queue, or a name declared in code, storing nothing', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({ schedule: { cleanup: { task: 'shop.cleanup', schedule: 60 } } });
    await beat.start();
    const refused = async (name: string, entry: Parameters<typeof beat.add>[1]) => {
      const error = await beat.add(name, entry).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BeatEntryError);
      return error as BeatEntryError;
    };
    expect((await refused('x', { task: 'shop.x', schedule: '61 * * * *' })).message).toBe(
      'beat entry "x": invalid cron expression "61 * * * *": Invalid value for minute: 61',
    );
    expect((await refused('y', { task: 'shop.y', schedule: -1 })).code).toBe(
      BeatErrorCode.schedule,
    );
    const queue = await refused('z', { task: 'shop.z', schedule: 5, options: { queue: 'emial' } });
    expect(queue.code).toBe(BeatErrorCode.queue);
    expect(queue.message).toMatch(/^beat entry "z": queue "emial" does not exist on the broker/);
    const code = await refused('cleanup', { task: 'shop.cleanup', schedule: 5 });
    expect(code.code).toBe(BeatErrorCode.conflict);
    await expect(beat.remove('cleanup')).rejects.toThrow(/"cleanup": is declared in code/);
    expect((await beat.entries()).map((e) => e.name)).toEqual(['cleanup']);
  });
});
