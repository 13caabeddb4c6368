// Bad input: a clear one-line error at start naming the entry, and every other entry runs.
// Also: an unreachable store makes the beat degraded, not dead; a send that fails is
// reported with the entry and the run.
import { describe, expect, it } from 'vitest';
import { BeatConfigError, BeatErrorCode, BeatRole, createBeat, crontab } from '@celeriac/beat';
import { createClient } from '@celeriac/client';
import { MemoryBeatCoordination, MemoryTransport } from '@celeriac/memory';
import { ConnectionLostError } from '@celeriac/protocol';
import type { BrokerMessage, PublishOptions, Route } from '@celeriac/protocol';
import { beatFixture } from './support.js';

describe('bad entries at start', () => {
  it('are logged once each, naming the entry, and held; the good ones run', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    await f.consume('reports');
    const beat = f.replica({
      timezone: 'Europe/Paris',
      schedule: {
        good: { task: 'shop.good', schedule: 1 },
        'bad-cron': { task: 'shop.a', schedule: '61 * * * *' },
        'bad-zone': { task: 'shop.b', schedule: crontab({ hour: 7, timezone: 'Europe/Pariss' }) },
        'zero-seconds': { task: 'shop.c', schedule: 0 },
        'negative-seconds': { task: 'shop.d', schedule: -30 },
        'no-task': { task: '', schedule: 10 },
        'missing-queue': { task: 'shop.e', schedule: 1, options: { queue: 'emial' } },
        'known-queue': { task: 'shop.f', schedule: 1, options: { queue: 'reports' } },
      },
    });
    await beat.start();
    await f.advance(3_000);
    expect(f.of('good')).toHaveLength(3);
    expect(f.of('known-queue')).toHaveLength(3);
    expect(new Set(f.sent.map((s) => s.entry))).toEqual(new Set(['good', 'known-queue']));
    const errors = f.logs.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors.sort()).toEqual([
      'beat entry "bad-cron": invalid cron expression "61 * * * *": Invalid value for minute: 61',
      'beat entry "bad-zone": unknown timezone "Europe/Pariss" (expected an IANA name such as "Europe/Paris")',
      'beat entry "missing-queue": queue "emial" does not exist on the broker (declare it, or start a worker that consumes it); the entry is held until it does',
      'beat entry "negative-seconds": an interval must be more than 0 seconds, got -30',
      'beat entry "no-task": `task` must name a task, e.g. "proj.tasks.cleanup"',
      'beat entry "zero-seconds": an interval must be more than 0 seconds, got 0',
    ]);
    expect(beat.problems.map((p) => [p.entry, p.code])).toEqual([
      ['bad-cron', BeatErrorCode.schedule],
      ['bad-zone', BeatErrorCode.timezone],
      ['missing-queue', BeatErrorCode.queue],
      ['negative-seconds', BeatErrorCode.schedule],
      ['no-task', BeatErrorCode.entry],
      ['zero-seconds', BeatErrorCode.schedule],
    ]);
    expect(errors.every((e) => !e.includes('\n'))).toBe(true);
  });

  it('an unknown beat timezone holds the entries that need one; intervals still run', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({
      timezone: 'Not/AZone',
      schedule: {
        every: { task: 'shop.every', schedule: 1 },
        daily: { task: 'shop.daily', schedule: crontab({ hour: 7, minute: 0 }) },
      },
    });
    await beat.start();
    await f.advance(2_000);
    expect(f.of('every')).toHaveLength(2);
    expect(beat.problems.map((p) => p.message)).toEqual([
      'beat entry "daily": unknown timezone "Not/AZone" (expected an IANA name such as "Europe/Paris")',
    ]);
  });

  it('a held queue entry runs once its queue exists', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({
      schedule: { later: { task: 'shop.later', schedule: 1, options: { queue: 'later' } } },
    });
    await beat.start();
    await f.advance(3_000);
    expect(f.of('later')).toEqual([]);
    await f.consume('later'); // a worker declares its queue
    await f.advance(2_000);
    expect(f.of('later').length).toBeGreaterThanOrEqual(1);
    expect(beat.problems).toEqual([]);
    expect(f.logs.some((l) => l.message.includes('queue "later" exists now; the entry runs'))).toBe(
      true,
    );
  });

  it('options that make no sense are refused by createBeat', () => {
    const transport = new MemoryTransport();
    const client = createClient({ transport });
    const coordination = new MemoryBeatCoordination();
    expect(() => createBeat({ client, coordination, leaseMs: 0 })).toThrow(BeatConfigError);
    expect(() => createBeat({ client, coordination, leaseMs: 1000, renewEveryMs: 1000 })).toThrow(
      'beat: renewEveryMs (1000) must be less than leaseMs (1000), or the lease lapses between renewals',
    );
  });
});

describe('when things fail while running', () => {
  it('an unreachable store makes the beat degraded; it leads again when the store is back', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const coordination = new MemoryBeatCoordination({ store: f.store, broker: f.broker });
    const beat = f.replica({
      coordination,
      schedule: { tick: { task: 'shop.tick', schedule: 1 } },
    });
    await beat.start();
    await f.advance(2_500);
    expect(beat.actor?.health).toBe('healthy');
    coordination.suspend();
    await f.advance(1_000);
    expect(beat.actor?.state).toBe('started.running.degraded');
    expect(beat.role).toBe(BeatRole.leader); // still within its lease
    await f.advance(5_000);
    expect(beat.role).toBe(BeatRole.follower);
    const during = f.sent.length;
    coordination.resume();
    await f.advance(2_000);
    expect(beat.actor?.state).toBe('started.running.healthy');
    expect(beat.role).toBe(BeatRole.leader);
    expect(f.sent.length).toBeGreaterThan(during);
    const warnings = f.logs.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings.filter((w) => w.includes('is unreachable'))).toHaveLength(1);
    expect(f.logs.some((l) => l.message.includes('is reachable again'))).toBe(true);
  });

  it('a send that fails for good is reported with the entry and the run; other entries go on', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    const beat = f.replica({
      schedule: {
        // Too large for the client's message limit: the publish can never succeed.
        huge: { task: 'shop.huge', schedule: 1, args: ['x'.repeat(2_000)] },
        tick: { task: 'shop.tick', schedule: 1 },
      },
      client: createClient({
        transport: new MemoryTransport({ broker: f.broker }),
        maxMessageBytes: 1_000,
        now: () => new Date(f.clock.now()),
      }),
    });
    await beat.start();
    await f.advance(2_000);
    expect(f.of('tick')).toHaveLength(2);
    expect(f.of('huge')).toEqual([]);
    const errors = f.logs.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors[0]).toMatch(
      /^beat entry "huge": the run of 2026-01-01T12:00:01.000Z could not be sent: the message of task shop.huge\[[0-9a-f-]+\] is \d+ bytes, over the 1000-byte limit/,
    );
  });

  it('a send that fails for a passing reason is sent again by the same leader, same id', async () => {
    await using f = await beatFixture('2026-01-01T12:00:00Z');
    /** The real memory transport, with its first publishes lost as on a dropped connection. */
    class FlakyTransport extends MemoryTransport {
      failures = 2;
      override publish(
        message: BrokerMessage,
        route: Route,
        options?: PublishOptions,
      ): Promise<void> {
        if (this.failures-- > 0) return Promise.reject(new ConnectionLostError('connection reset'));
        return super.publish(message, route, options);
      }
    }
    const beat = f.replica({
      schedule: { tick: { task: 'shop.tick', schedule: 10 } },
      retryEveryMs: 500,
      client: createClient({
        transport: new FlakyTransport({ broker: f.broker }),
        publishRetry: false,
        now: () => new Date(f.clock.now()),
      }),
    });
    await beat.start();
    await f.advance(11_200);
    // Lost at 10.0 and 10.5, sent at 11.0: once, with the run's id.
    expect(f.of('tick')).toEqual(['2026-01-01T12:00:10.000+00:00']);
    expect(f.sent[0]!.at).toBe(Date.parse('2026-01-01T12:00:11.000Z'));
    expect(f.sent[0]!.id).toBe(beat.taskId('tick', Date.parse('2026-01-01T12:00:10Z')));
    const warnings = f.logs.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /^beat entry "tick": the run of 2026-01-01T12:00:10.000Z could not be sent: .*connection reset; trying again while this replica leads$/,
    );
  });
});
