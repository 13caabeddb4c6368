// Restarts and downtime: the schedule state in the store means a restart neither repeats
// nor misses a run; runs missed while no beat was up are sent once or skipped, per entry.
import { describe, expect, it } from 'vitest';
import { CatchUp, at, crontab } from '@celeriac/beat';
import { beatFixture, ticks } from './support.js';

describe('after downtime', () => {
  it('a quick restart of the only replica neither repeats nor misses a run', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const schedule = { tick: { task: 'shop.tick', schedule: 5 } };
    const first = f.replica({ schedule });
    await first.start();
    await f.advance(12_000);
    await first.stop();
    await f.advance(2_000);
    const second = f.replica({ schedule });
    await second.start();
    await f.advance(11_500);
    // 12:00:05, :10 by the first; :15, :20, :25 by the second, on the same grid.
    expect(f.of('tick')).toEqual(ticks('2026-01-01T12:00:05Z', 5, 5));
  });

  it('catch-up once (the default): the runs missed while down are sent as one, at once', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const schedule = { tick: { task: 'shop.tick', schedule: 5 } };
    const first = f.replica({ schedule });
    await first.start();
    await f.advance(11_000);
    await first.stop();
    await f.advance(23_000); // down from 12:00:11 to 12:00:34: :15 :20 :25 :30 missed
    const second = f.replica({ schedule });
    await second.start();
    await f.advance(0);
    expect(f.of('tick')).toEqual([
      ...ticks('2026-01-01T12:00:05Z', 2, 5),
      '2026-01-01T12:00:30.000+00:00',
    ]);
    await f.advance(5_000);
    expect(f.of('tick').at(-1)).toBe('2026-01-01T12:00:35.000+00:00');
    expect((await second.entries())[0]!.totalRunCount).toBe(4);
  });

  it('catch-up skip: the runs missed while down are dropped; the next one runs on time', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const schedule = {
      tick: { task: 'shop.tick', schedule: 5, catchUp: CatchUp.skip },
      hourly: { task: 'shop.hourly', schedule: crontab({ minute: 0 }), catchUp: CatchUp.skip },
      launch: { task: 'shop.launch', schedule: at('2026-01-01T12:30:00Z'), catchUp: CatchUp.skip },
    };
    const first = f.replica({ schedule, leaseMs: 60_000 });
    await first.start();
    await f.advance(11_000);
    await first.stop();
    await f.advance(2 * 3600_000); // down over 13:00, 14:00 and the one-off at 12:30
    const second = f.replica({ schedule, leaseMs: 60_000 });
    await second.start();
    await f.advance(3_000); // 14:00:14
    expect(f.of('tick')).toEqual(ticks('2026-01-01T12:00:05Z', 2, 5));
    expect(f.of('hourly')).toEqual([]);
    expect(f.of('launch')).toEqual([]);
    await f.advance(1_000); // the first run after the restart, on the entry's grid
    expect(f.of('tick').at(-1)).toBe('2026-01-01T14:00:15.000+00:00');
    await f.advance(3600_000);
    expect(f.of('hourly')).toEqual(['2026-01-01T15:00:00.000+00:00']);
    expect(f.of('launch')).toEqual([]);
  });

  it('catch-up once sends a one-off date missed while down, once', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const schedule = { launch: { task: 'shop.launch', schedule: at('2026-01-01T12:30:00Z') } };
    const beat = f.replica({ schedule });
    await f.advance(3600_000); // no beat at 12:30
    await beat.start();
    await f.advance(3600_000);
    expect(f.of('launch')).toEqual(['2026-01-01T12:30:00.000+00:00']);
    expect(f.sent[0]!.at).toBe(Date.parse('2026-01-01T13:00:00Z'));
  });
});
