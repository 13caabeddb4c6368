import { describe, expect, it } from 'vitest';
import {
  ActivityBusyError,
  ActorInterruptedError,
  HealthCheckError,
  IllegalTransitionError,
  InvalidArgumentError,
  TaskFailedError,
  defineActor,
} from '@celeriac/actors';
import type { Health } from '@celeriac/actors';
import { harness } from './helpers.js';

class StorageDown extends Error {}

const settle = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('errors that name the real cause', () => {
  it("run() rejects with the step's failure: a TaskFailedError whose cause is what the step threw", async () => {
    const { system } = harness();
    const thrown = new StorageDown('bucket gone');
    const a = system.spawn(
      defineActor({
        name: 'worker',
        tasks: {
          work: {
            run: () => {
              throw thrown;
            },
          },
        },
      }),
      { id: 'w' },
    );
    await a.start();
    const { error } = (await settle(a.run('work'))) as { error: TaskFailedError };
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.cause).toBe(thrown);
    expect(error.message).toBe('Task "work" of actor /w failed: bucket gone');
    expect(error).toBe(a.crashError);
  });

  it('a run() interrupted by another crash carries that crash as cause', async () => {
    const { system, clock } = harness();
    let broken = false;
    const a = system.spawn(
      defineActor({
        name: 'probe',
        tasks: { work: { run: ({ sleep }) => sleep(10_000) } },
        healthCheck: {
          intervalMs: 100,
          check: () => {
            if (broken) throw new Error('probe wire cut');
            return 'healthy';
          },
        },
      }),
      { id: 'p' },
    );
    await a.start();
    const pending = settle(a.run('work'));
    broken = true;
    await clock.advance(100);
    const { error } = (await pending) as { error: ActorInterruptedError };
    expect(error).toBeInstanceOf(ActorInterruptedError);
    expect(error.cause).toBeInstanceOf(HealthCheckError);
    expect(error.message).toBe(
      'run() of actor /p interrupted by crash: Health check of actor /p threw: probe wire cut',
    );
  });

  it('reportHealth with an unknown level blames the argument, not the state', async () => {
    const { system } = harness();
    const a = system.spawn(defineActor({ name: 'plain' }), { id: 'a' });
    await a.start();
    expect(() => a.reportHealth('sick' as Health)).toThrow(InvalidArgumentError);
    expect(() => a.reportHealth('sick' as Health)).toThrow(
      'reportHealth() of actor /a: unknown health "sick" (one of healthy, degraded, unhealthy)',
    );
    expect(a.state).toBe('started.running.healthy');
    await a.stop();
    // The state is the problem here, and the error says so.
    expect(() => a.reportHealth('degraded')).toThrow(IllegalTransitionError);
    expect(() => a.reportHealth('degraded')).toThrow(
      'Cannot reportHealth() actor /a in state "stopped"',
    );
  });

  it('run() while another step runs says the activity is busy; an undeclared task is named', async () => {
    const { system, clock } = harness();
    const a = system.spawn(
      defineActor({
        name: 'u',
        tasks: { u: { run: () => new Promise(() => {}) }, v: { run: () => 1 } },
      }),
      { id: 'u' },
    );
    await a.start();
    void a.run('u').catch(() => undefined);
    const { error } = (await settle(a.run('v'))) as { error: ActivityBusyError };
    expect(error).toBeInstanceOf(ActivityBusyError);
    expect(error).toMatchObject({ code: 'ERR_ACTIVITY_BUSY', task: 'v', activity: 'u.running' });
    await expect(a.run('w' as 'u')).rejects.toThrow(
      'run() of actor /u: no task "w" (tasks: "u", "v")',
    );
    const stopped = a.stop({ timeoutMs: 0 });
    await clock.advance(0);
    await expect(stopped).resolves.toMatchObject({ abandoned: { task: 'u' } });
  });

  it('a health report while paused is kept and applied on resume, with its reason', async () => {
    const { system, transitions } = harness();
    const a = system.spawn(defineActor({ name: 'consumer' }), { id: 'c' });
    await a.start();
    a.pause();
    expect(() => a.reportHealth('degraded', 'broker reconnecting')).not.toThrow();
    expect(a.state).toBe('started.paused');
    a.resume();
    expect(a.state).toBe('started.running.degraded');
    expect(transitions('/c').at(-1)).toMatchObject({
      from: 'started.paused',
      to: 'started.running.degraded',
      event: 'resume',
      reason: 'broker reconnecting',
    });
    // Without a report while paused, resume returns to the health it paused in.
    a.pause();
    a.resume();
    expect(a.state).toBe('started.running.degraded');
    a.reportHealth('healthy', 'broker back');
    expect(transitions('/c').at(-1)).toMatchObject({ event: 'health', reason: 'broker back' });
    await a.stop();
  });

  it('a health check may give a reason; one returning junk crashes with a clear error', async () => {
    const { system, clock, transitions } = harness();
    let answer: unknown = { health: 'degraded', reason: 'S3 answers 503' };
    const a = system.spawn(
      defineActor({
        name: 'poller',
        healthCheck: { intervalMs: 100, check: () => answer as Health },
      }),
      { id: 'p' },
    );
    await a.start();
    await clock.advance(100);
    expect(a.state).toBe('started.running.degraded');
    expect(transitions('/p').at(-1)).toMatchObject({ event: 'health', reason: 'S3 answers 503' });
    answer = 'fine';
    await clock.advance(100);
    expect(a.state).toBe('crashed');
    expect((a.crashError as Error).message).toBe(
      'Health check of actor /p threw: it returned "fine", not a health level (healthy, degraded, unhealthy)',
    );
  });
});
