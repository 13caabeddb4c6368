import { describe, expect, it } from 'vitest';
import { ActorInterruptedError, TaskFailedError, defineActor } from '@celeriac/actors';
import { harness } from './helpers.js';

describe('actor tasks', () => {
  it('loops polling → processing → polling, passing input along', async () => {
    const { system, clock } = harness();
    const seen: unknown[] = [];
    let polls = 0;
    const def = defineActor({
      name: 'poller',
      tasks: {
        polling: {
          run: async ({ next, sleep }) => {
            await sleep(100);
            return next('processing', ++polls);
          },
        },
        processing: {
          run: ({ input, next }) => {
            seen.push(input);
            return next('polling');
          },
        },
      },
      initialTask: 'polling',
    });
    const a = system.spawn(def, { id: 'p' });
    await a.start();
    expect(a.activity).toBe('polling.running');
    await clock.advance(350);
    expect(seen).toEqual([1, 2, 3]);
    expect(a.activity).toBe('polling.running');
    await a.stop();
  });

  it('gates tasks on health: polling goes on while degraded, processing waits until healthy', async () => {
    const { system, clock } = harness();
    const processed: number[] = [];
    let polls = 0;
    const def = defineActor({
      name: 'poller',
      tasks: {
        polling: {
          run: async ({ next, sleep }) => {
            await sleep(100);
            return next('processing', ++polls);
          },
          allowedIn: ['healthy', 'degraded'],
        },
        processing: {
          run: ({ input, next }) => {
            processed.push(input as number);
            return next('polling');
          },
          allowedIn: ['healthy'],
        },
      },
      initialTask: 'polling',
    });
    const a = system.spawn(def, { id: 'p' });
    await a.start();
    a.reportHealth('degraded');
    await clock.advance(100);
    expect(polls).toBe(1);
    expect(processed).toEqual([]);
    expect(a.activity).toBe('processing.waiting');
    await clock.advance(1_000);
    expect(polls).toBe(1);
    a.reportHealth('unhealthy');
    a.reportHealth('healthy');
    await clock.advance(0);
    expect(processed).toEqual([1]);
    expect(a.activity).toBe('polling.running');
    await a.stop();
  });

  it('waits while paused and resumes where it was', async () => {
    const { system, clock } = harness();
    let runs = 0;
    const def = defineActor({
      name: 'ticker',
      tasks: {
        tick: {
          run: async ({ next, sleep }) => {
            await sleep(10);
            runs++;
            return next('tick');
          },
        },
      },
      initialTask: 'tick',
    });
    const a = system.spawn(def, { id: 't' });
    await a.start();
    await clock.advance(25);
    expect(runs).toBe(2);
    a.pause();
    await clock.advance(100);
    expect(runs).toBe(3); // the step in flight finished; the next one waits
    expect(a.activity).toBe('tick.waiting');
    a.resume();
    await clock.advance(10);
    expect(runs).toBe(4);
    await a.stop();
  });

  it('aborts the running task on stop and waits for it to finish before releasing', async () => {
    const { system } = harness();
    const log: string[] = [];
    const def = defineActor({
      name: 'long',
      resources: { r: { acquire: () => 'r', release: () => void log.push('release') } },
      tasks: {
        work: {
          run: ({ signal }) =>
            new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                log.push('aborted');
                reject(new Error('cancelled'));
              }),
            ),
        },
      },
      initialTask: 'work',
    });
    const a = system.spawn(def, { id: 'l' });
    await a.start();
    await a.stop();
    expect(log).toEqual(['aborted', 'release']);
    expect(a.state).toBe('stopped');
  });

  it('crashes the actor when a task throws without a retry policy', async () => {
    const { system, clock, states } = harness();
    const def = defineActor({
      name: 'bad',
      tasks: { boom: { run: () => Promise.reject(new Error('kaput')) } },
      initialTask: 'boom',
    });
    const a = system.spawn(def, { id: 'b' });
    await expect(a.start()).resolves.toBeUndefined();
    await clock.advance(0);
    expect(a.state).toBe('crashed');
    expect(a.crashError).toBeInstanceOf(TaskFailedError);
    expect(a.crashError).toMatchObject({ task: 'boom', attempts: 1, actorPath: '/b' });
    expect((a.crashError as Error).message).toBe('Task "boom" of actor /b failed: kaput');
    expect(states('/b').at(-1)).toBe('crashed');
  });

  it('retries with exponential backoff on the clock, then crashes when retries run out', async () => {
    const { system, clock, unhandled } = harness();
    const attempts: number[] = [];
    const def = defineActor({
      name: 'flaky',
      tasks: {
        fetch: {
          run: ({ attempt }) => {
            attempts.push(clock.now());
            throw new Error(`attempt ${attempt}`);
          },
          retry: { maxRetries: 3, backoff: { initialMs: 100, maxMs: 300 } },
        },
      },
      initialTask: 'fetch',
    });
    const a = system.spawn(def, { id: 'f' });
    await a.start();
    await clock.advance(10_000);
    // 100, 200, then capped at 300.
    expect(attempts).toEqual([0, 100, 300, 600]);
    expect(a.state).toBe('crashed');
    expect(a.crashError).toMatchObject({ attempts: 4 });
    expect(unhandled).toEqual([a.crashError]);
  });

  it('succeeds on a retry and resets the attempt count', async () => {
    const { system, clock } = harness();
    let calls = 0;
    const attempts: number[] = [];
    const def = defineActor({
      name: 'flaky',
      tasks: {
        fetch: {
          run: ({ attempt, next }) => {
            attempts.push(attempt);
            if (++calls % 2 === 1) throw new Error('once');
            return calls < 4 ? next('fetch') : 'done';
          },
          retry: { maxRetries: 1, backoff: { initialMs: 50 } },
        },
      },
      initialTask: 'fetch',
    });
    const a = system.spawn(def, { id: 'f' });
    await a.start();
    await clock.advance(1_000);
    expect(attempts).toEqual([1, 2, 1, 2]);
    expect(a.activity).toBe('idle');
  });

  it('run() starts a task from idle with input and resolves with its result; one at a time', async () => {
    const { system, clock } = harness();
    const def = defineActor({
      name: 'executor',
      tasks: {
        execute: {
          run: async ({ input, sleep }) => {
            await sleep(10);
            return (input as number) * 2;
          },
        },
      },
    });
    const a = system.spawn(def, { id: 'e' });
    await a.start();
    const result = a.run('execute', 21);
    expect(a.activity).toBe('execute.running');
    await expect(a.run('execute', 1)).rejects.toThrow(
      'Cannot run task "execute" on actor /e: its activity is busy in "execute.running"',
    );
    await clock.advance(10);
    await expect(result).resolves.toBe(42);
    expect(a.activity).toBe('idle');
    const pending = a.run('execute', 1);
    const stopped = a.stop();
    await expect(pending).rejects.toBeInstanceOf(ActorInterruptedError);
    await stopped;
  });

  it('crashes when a task names an undeclared next task', async () => {
    const { system, clock } = harness();
    const def = defineActor({
      name: 'typo',
      tasks: { a: { run: ({ next }) => next('b' as 'a') } },
      initialTask: 'a',
    });
    const actor = system.spawn(def, { id: 't' });
    await actor.start();
    await clock.advance(0);
    expect(actor.state).toBe('crashed');
    expect(String(actor.crashError)).toMatch(/next task "b" is not declared/);
  });
});
