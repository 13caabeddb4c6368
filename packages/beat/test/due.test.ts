// When an entry runs, from its last run and the leader's term: catch-up after downtime
// under both policies, first runs, changed entries, one-offs.
import { describe, expect, it } from 'vitest';
import { CatchUp, at, crontab, every } from '@celeriac/beat';
import { dueRun } from '../src/due.js';
import { compileSchedule } from '../src/compiled-schedule.js';
import type { Schedule } from '../src/schedule.js';

const T = Date.parse('2026-01-01T12:00:00Z');
const S = 1000;

function entry(schedule: Schedule, catchUp: CatchUp = CatchUp.once, since?: number) {
  return { schedule: compileSchedule(schedule, 'UTC'), catchUp, since };
}

describe('an entry that ran before', () => {
  it('waits for its next run, then sends it', () => {
    const e = entry(every(10));
    expect(dueRun(e, T, T + 5 * S, T)).toEqual({ kind: 'wait', until: T + 10 * S });
    expect(dueRun(e, T, T + 10 * S, T)).toEqual({ kind: 'send', runAt: T + 10 * S });
    expect(dueRun(e, T, T + 10 * S + 3, T)).toEqual({ kind: 'send', runAt: T + 10 * S });
  });

  it('catch-up once: runs missed while no beat was up become one run, the latest', () => {
    // Last run at T; the beat was down until T+95s, when this term began.
    const e = entry(every(10), CatchUp.once);
    expect(dueRun(e, T, T + 95 * S, T + 95 * S)).toEqual({ kind: 'send', runAt: T + 90 * S });
    // After that run, the next is on the same grid.
    expect(dueRun(e, T + 90 * S, T + 95 * S, T + 95 * S)).toEqual({
      kind: 'wait',
      until: T + 100 * S,
    });
  });

  it('catch-up skip: runs missed while no beat was up are dropped', () => {
    const e = entry(every(10), CatchUp.skip);
    expect(dueRun(e, T, T + 95 * S, T + 95 * S)).toEqual({ kind: 'wait', until: T + 100 * S });
    // …but a run due since this term began is sent, even late.
    expect(dueRun(e, T, T + 101 * S, T + 95 * S)).toEqual({ kind: 'send', runAt: T + 100 * S });
  });

  it('catch-up applies to crontabs the same way', () => {
    const daily = crontab({ minute: 0, hour: 7 });
    const last = Date.parse('2026-01-01T07:00:00Z');
    const up = Date.parse('2026-01-04T09:00:00Z'); // down for three 07:00 runs
    expect(dueRun(entry(daily, CatchUp.once), last, up, up)).toEqual({
      kind: 'send',
      runAt: Date.parse('2026-01-04T07:00:00Z'),
    });
    expect(dueRun(entry(daily, CatchUp.skip), last, up, up)).toEqual({
      kind: 'wait',
      until: Date.parse('2026-01-05T07:00:00Z'),
    });
  });

  it('a late loop within the term sends one run for several due ones (coalesced)', () => {
    const e = entry(every(1), CatchUp.skip);
    expect(dueRun(e, T + 10 * S, T + 15 * S + 500, T)).toEqual({ kind: 'send', runAt: T + 15 * S });
  });
});

describe('an entry never run', () => {
  it('first runs one period after the term began (Celery: after the beat started)', () => {
    const e = entry(every(30));
    expect(dueRun(e, undefined, T, T)).toEqual({ kind: 'wait', until: T + 30 * S });
    expect(dueRun(entry(crontab({ minute: 0 })), undefined, T + 5 * S, T)).toEqual({
      kind: 'wait',
      until: T + 3600 * S,
    });
  });

  it('a run-time entry counts from when it was put, whichever replica leads', () => {
    const e = entry(every(30), CatchUp.once, T - 20 * S);
    expect(dueRun(e, undefined, T, T)).toEqual({ kind: 'wait', until: T + 10 * S });
  });

  it('a changed entry counts from its change, not from its last run', () => {
    const e = entry(every(3600), CatchUp.once, T + 50 * S);
    expect(dueRun(e, T, T + 60 * S, T)).toEqual({ kind: 'wait', until: T + 3650 * S });
  });
});

describe('one-off dates', () => {
  it('run once at their date, then are done', () => {
    const e = entry(at(new Date(T + 60 * S)));
    expect(dueRun(e, undefined, T, T)).toEqual({ kind: 'wait', until: T + 60 * S });
    expect(dueRun(e, undefined, T + 61 * S, T)).toEqual({ kind: 'send', runAt: T + 60 * S });
    expect(dueRun(e, T + 60 * S, T + 61 * S, T)).toEqual({ kind: 'done' });
  });

  it('missed while down: run at once under once, never under skip', () => {
    const date = at(new Date(T - 60 * S));
    expect(dueRun(entry(date, CatchUp.once), undefined, T, T)).toEqual({
      kind: 'send',
      runAt: T - 60 * S,
    });
    expect(dueRun(entry(date, CatchUp.skip), undefined, T, T)).toEqual({ kind: 'done' });
  });
});
