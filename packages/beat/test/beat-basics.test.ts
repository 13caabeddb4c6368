// A single beat on memory:// and simulated time: what it sends, when, and what the
// messages carry.
import { describe, expect, it } from 'vitest';
import { BeatRole, at, crontab, runTaskId } from '@celeriac/beat';
import { beatFixture, ticks } from './support.js';

describe('one beat replica', () => {
  it('sends an interval entry every N seconds, on the grid of its first run', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({
      schedule: { tick: { task: 'shop.tick', schedule: 2, args: [1, 'a'] } },
    });
    await beat.start();
    await f.advance(0);
    expect(beat.role).toBe(BeatRole.leader);
    await f.advance(7_000);
    expect(f.of('tick')).toEqual(ticks('2026-01-01T12:00:02Z', 3, 2));
    expect(f.sent[0]).toMatchObject({
      task: 'shop.tick',
      args: [1, 'a'],
      kwargs: {},
      queue: 'celery',
    });
  });

  it('sends a plain Celery message: derived task id, entry and scheduled-time headers, options', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    await f.consume('reports');
    const beat = f.replica({
      schedule: {
        report: {
          task: 'shop.report',
          schedule: crontab({ minute: '*/5' }),
          kwargs: { format: 'pdf' },
          options: { queue: 'reports', priority: 7, expires: 60, headers: { origin_app: 'shop' } },
        },
      },
    });
    await beat.start();
    await f.advance(5 * 60_000);
    expect(f.sent).toHaveLength(1);
    const sent = f.sent[0]!;
    const runAt = Date.parse('2026-01-01T12:05:00Z');
    expect(sent).toMatchObject({
      task: 'shop.report',
      queue: 'reports',
      kwargs: { format: 'pdf' },
      entry: 'report',
      scheduledAt: '2026-01-01T12:05:00.000+00:00',
      priority: 7,
      id: runTaskId('celeriac', 'report', runAt),
    });
    expect(beat.taskId('report', new Date(runAt))).toBe(sent.id);
    expect(sent.headers['origin_app']).toBe('shop');
    // expires is counted from the send, as Celery does: 60 s after 12:05.
    expect(sent.headers['expires']).toBe('2026-01-01T12:06:00+00:00');
  });

  it('sends a one-off date once, then never again', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({
      schedule: { launch: { task: 'shop.launch', schedule: at('2026-01-01T12:00:30Z') } },
    });
    await beat.start();
    await f.advance(10 * 60_000);
    expect(f.of('launch')).toEqual(['2026-01-01T12:00:30.000+00:00']);
    expect((await beat.entries())[0]).toMatchObject({
      name: 'launch',
      totalRunCount: 1,
      nextRunAt: undefined,
    });
  });

  it('runs crontabs in the beat’s timezone across both DST changes', async () => {
    // 01:30 and 02:30 New York time, daily, from 2026-03-07 to 2026-03-09 and around 2026-11-01.
    const schedule = {
      early: { task: 'shop.early', schedule: crontab({ minute: 30, hour: 1 }) },
      late: { task: 'shop.late', schedule: crontab({ minute: 30, hour: 2 }) },
    };
    {
      await using f = await beatFixture('2026-03-07T00:00:00Z');
      const beat = f.replica({ schedule, timezone: 'America/New_York', leaseMs: 600_000 });
      await beat.start();
      await f.advance(3 * 24 * 3600_000);
      expect(f.of('late')).toEqual([
        '2026-03-07T07:30:00.000+00:00', // 02:30 EST
        '2026-03-08T07:00:00.000+00:00', // spring forward: 02:30 does not exist, runs at 03:00 EDT
        '2026-03-09T06:30:00.000+00:00', // 02:30 EDT
      ]);
    }
    {
      await using f = await beatFixture('2026-10-31T00:00:00Z');
      const beat = f.replica({ schedule, timezone: 'America/New_York', leaseMs: 600_000 });
      await beat.start();
      await f.advance(3 * 24 * 3600_000);
      expect(f.of('early')).toEqual([
        '2026-10-31T05:30:00.000+00:00', // 01:30 EDT
        '2026-11-01T05:30:00.000+00:00', // fall back: 01:30 happens twice, runs once
        '2026-11-02T06:30:00.000+00:00', // 01:30 EST
      ]);
    }
  });

  it('shows its role as the actor’s activity, and releases the lease when it stops', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica();
    await beat.start();
    expect(beat.actor?.path).toBe('/beat');
    await f.advance(0);
    expect(beat.actor?.activity).toBe('leading.running');
    expect(await beat.leader()).toMatchObject({ holder: beat.holder, epoch: 1 });
    await beat.stop();
    expect(beat.role).toBeUndefined();
    expect(await beat.leader()).toBeUndefined();
    expect(beat.actor?.state).toBe('stopped');
  });
});
