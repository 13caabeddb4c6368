import { describe, expect, it } from 'vitest';
import { MaxRetriesExceededError, Retry, silentLogger } from '@celeriac/worker';
import { InvalidOptionError, Replace } from '../src/errors.js';
import { LimitedSet } from '../src/pipeline/limited-set.js';
import { TokenBucket, parseRateLimit } from '../src/pipeline/rate-limit.js';
import { backoffCountdownMs } from '../src/pool/retry-policy.js';
import { createTaskContext } from '../src/task-context.js';
import { effectiveTimeLimits, resolveTaskOptions } from '../src/task-options.js';

describe('LimitedSet (revoked ids)', () => {
  it('expires entries and bounds its size, oldest first', () => {
    let now = 0;
    const set = new LimitedSet({ maxSize: 3, expiresMs: 1000, now: () => now });
    set.add('a');
    set.add('b');
    now = 500;
    set.add('c');
    set.add('d');
    expect(set.values()).toEqual(['b', 'c', 'd']);
    expect(set.has('a')).toBe(false);
    now = 1000;
    expect(set.has('b')).toBe(false);
    expect(set.has('c')).toBe(true);
    now = 1500;
    expect(set.size).toBe(0);
  });
});

describe('rate limits', () => {
  it('parses Celery rate strings into tasks per ms', () => {
    expect(parseRateLimit('10/s')).toBeCloseTo(0.01);
    expect(parseRateLimit('120/m')).toBeCloseTo(0.002);
    expect(parseRateLimit('36/h')).toBeCloseTo(0.00001);
    expect(parseRateLimit('5')).toBeCloseTo(0.005);
    expect(parseRateLimit(null)).toBeNull();
    expect(parseRateLimit('0/s')).toBeNull();
    expect(() => parseRateLimit('10/x')).toThrow(InvalidOptionError);
  });

  it('spaces tokens evenly with capacity 1', () => {
    let now = 0;
    const bucket = new TokenBucket(parseRateLimit('2/s')!, { now: () => now });
    expect(bucket.canConsume()).toBe(true);
    expect(bucket.canConsume()).toBe(false);
    expect(bucket.expectedTime()).toBe(500);
    now = 499;
    expect(bucket.canConsume()).toBe(false);
    now = 500;
    expect(bucket.canConsume()).toBe(true);
  });
});

describe('retry backoff', () => {
  it('is min(max, factor·2^retries), jittered within [0, countdown]', () => {
    const base = { factorSeconds: 2, maxSeconds: 600, jitter: false };
    expect(backoffCountdownMs({ ...base, retries: 0 })).toBe(2000);
    expect(backoffCountdownMs({ ...base, retries: 3 })).toBe(16000);
    expect(backoffCountdownMs({ ...base, retries: 20 })).toBe(600_000);
    expect(backoffCountdownMs({ ...base, retries: 3, jitter: true, random: () => 0.999 })).toBe(
      16000,
    );
    expect(backoffCountdownMs({ ...base, retries: 3, jitter: true, random: () => 0 })).toBe(0);
  });
});

describe('task options', () => {
  it('merges task over app over Celery defaults', () => {
    const o = resolveTaskOptions({ maxRetries: 5 }, { acksLate: true, maxRetries: 1 });
    expect(o.maxRetries).toBe(5);
    expect(o.acksLate).toBe(true);
    expect(o.defaultRetryDelay).toBe(180);
    expect(o.retryBackoffMax).toBe(600);
    expect(o.acksOnFailureOrTimeout).toBe(true);
    expect(() => resolveTaskOptions({ timeLimit: -1 })).toThrow(InvalidOptionError);
  });

  it('lets the timelimit header win, side by side', () => {
    const o = resolveTaskOptions({ timeLimit: 10, softTimeLimit: 5 });
    expect(effectiveTimeLimits([null, 2], o)).toEqual({ hard: 10, soft: 2 });
    expect(effectiveTimeLimits([30, null], o)).toEqual({ hard: 30, soft: 5 });
    expect(effectiveTimeLimits(undefined, o)).toEqual({ hard: 10, soft: 5 });
  });
});

describe('ctx.retry', () => {
  const make = (retries: number, maxRetries: number | null) =>
    createTaskContext({
      taskId: 't1',
      name: 'proj.add',
      retries,
      rootId: 't1',
      parentId: null,
      groupId: null,
      headers: {},
      kwargs: {},
      hostname: 'w@h',
      deliveryInfo: { exchange: '', routingKey: 'celery', priority: 0, redelivered: false },
      signal: new AbortController().signal,
      log: silentLogger,
      now: () => 1_000_000,
      maxRetries,
      defaultRetryDelay: 180,
      updateState: async () => {},
    });

  const thrownBy = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('did not throw');
  };

  it('throws a Retry marker due after the countdown (default 180 s)', () => {
    const retry = thrownBy(() => make(0, 3).retry()) as Retry;
    expect(retry).toBeInstanceOf(Retry);
    expect(retry.when).toBe(1_000_000 + 180_000);
    expect(retry.message).toBe('Retry in 180s');
    expect((thrownBy(() => make(0, 3).retry({ countdown: 5 })) as Retry).when).toBe(1_005_000);
    // The countdown as given, as Celery prints it (not rounded to whole seconds).
    const soon = thrownBy(() => make(0, 3).retry({ countdown: 0.25, exc: new TypeError('x') }));
    expect((soon as Retry).message).toBe('Retry in 0.25s: TypeError("x")');
  });

  it('keeps working when spread or taken off the context (its members are its own)', () => {
    const ctx = make(0, 3);
    const { retry } = ctx;
    expect((thrownBy(() => retry({ countdown: 5 })) as Retry).when).toBe(1_005_000);
    const spread = { ...ctx, kwargs: { a: 1 } };
    expect(spread.signal).toBe(ctx.signal);
    expect(spread.taskId).toBe('t1');
    expect(thrownBy(() => spread.retry())).toBeInstanceOf(Retry);
    expect(
      thrownBy(() =>
        spread.replace({
          task: 'x',
          args: [],
          kwargs: {},
          options: {},
          subtask_type: null,
          immutable: false,
        }),
      ),
    ).toBeInstanceOf(Replace);
  });

  it('re-throws exc or MaxRetriesExceededError when retries ran out', () => {
    const boom = new Error('boom');
    expect(() => make(3, 3).retry({ exc: boom })).toThrow(boom);
    expect(() => make(3, 3).retry()).toThrow(MaxRetriesExceededError);
    expect(() => make(3, null).retry()).toThrow(Retry);
    expect(() => make(3, 3).retry({ maxRetries: 4 })).toThrow(Retry);
  });
});
