import { describe, expect, it } from 'vitest';
import { DependencyError, HealthCheckError, HookError, defineActor } from '@celeriac/actors';
import type { TransitionRecord } from '@celeriac/actors';
import { harness, resourceLog } from './helpers.js';

describe('restart', () => {
  it('restarting { stopping { tasks → resources } → starting { … } } → started, releasing with reason restart', async () => {
    const { system, states } = harness();
    const { log, pair } = resourceLog();
    const def = defineActor({ name: 'r', resources: { a: pair('a') } });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    await actor.restart();
    expect(actor.state).toBe('started.running.healthy');
    expect(log).toEqual(['acquire a', 'release a restart', 'acquire a']);
    expect(states('/x').slice(4)).toEqual([
      'restarting.stopping.tasks',
      'restarting.stopping.resources',
      'restarting.starting.dependencies',
      'restarting.starting.resources',
      'restarting.starting.tasks',
      'started.running.healthy',
    ]);
  });

  it('restarts a crashed actor; restart() rejects if it crashes again', async () => {
    const { system, clock } = harness();
    let fail = true;
    const def = defineActor({
      name: 'r',
      resources: {
        a: {
          acquire: () => {
            if (fail) throw new Error('down');
            return 1;
          },
        },
      },
    });
    const actor = system.spawn(def, { id: 'x' });
    await expect(actor.start()).rejects.toThrow('down');
    await expect(actor.restart()).rejects.toThrow('down');
    fail = false;
    await actor.restart();
    expect(actor.state).toBe('started.running.healthy');
    expect(actor.crashError).toBeUndefined();
    await clock.advance(0);
  });

  it('aborts the running task on restart and starts the initial task again', async () => {
    const { system } = harness();
    const events: string[] = [];
    const def = defineActor({
      name: 'r',
      tasks: {
        t: {
          run: ({ signal }) =>
            new Promise((_, reject) => {
              events.push('run');
              signal.addEventListener('abort', () => {
                events.push('abort');
                reject(new Error('x'));
              });
            }),
        },
      },
      initialTask: 't',
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    await actor.restart();
    expect(events).toEqual(['run', 'abort', 'run']);
    expect(actor.activity).toBe('t.running');
  });
});

describe('dependencies', () => {
  it('start first and stop last, the last dependent out stops them', async () => {
    const { system } = harness();
    const log: string[] = [];
    const logged = (name: string) =>
      defineActor({
        name,
        resources: {
          r: {
            acquire: () => log.push(`up ${name}`),
            release: () => void log.push(`down ${name}`),
          },
        },
      });
    const db = system.spawn(logged('db'), { id: 'db' });
    const cache = system.spawn(logged('cache'), { id: 'cache', dependencies: [db] });
    const api = system.spawn(logged('api'), { id: 'api', dependencies: [db, cache] });
    const admin = system.spawn(logged('admin'), { id: 'admin', dependencies: [db] });
    await api.start();
    await admin.start();
    expect(log).toEqual(['up db', 'up cache', 'up api', 'up admin']);
    await api.stop();
    expect(log.slice(4)).toEqual(['down api', 'down cache']);
    expect(db.state).toBe('started.running.healthy');
    await admin.stop();
    expect(log.slice(6)).toEqual(['down admin', 'down db']);
    expect(db.state).toBe('stopped');
  });

  it('crashes the dependent with DependencyError when a dependency fails to start', async () => {
    const { system } = harness();
    const broken = defineActor({
      name: 'broken',
      resources: { r: { acquire: () => Promise.reject(new Error('no db')) } },
    });
    const db = system.spawn(broken, { id: 'db' });
    const api = system.spawn(defineActor({ name: 'api' }), { id: 'api', dependencies: [db] });
    const error = await api.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toMatch(
      /Actor \/api could not start dependency \/db: .*no db/,
    );
    expect(api.state).toBe('crashed');
    expect(db.state).toBe('crashed');
  });
});

describe('hooks', () => {
  it('run before/exit/enter/after around each transition, and see errors', async () => {
    const { system } = harness();
    const calls: string[] = [];
    const def = defineActor({
      name: 'h',
      hooks: {
        beforeTransition: (t: TransitionRecord) => calls.push(`before ${t.from}→${t.to}`),
        onExit: (s) => calls.push(`exit ${s}`),
        onEnter: (s) => calls.push(`enter ${s}`),
        afterTransition: (t) => calls.push(`after ${t.to}`),
      },
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    expect(calls.slice(0, 5)).toEqual([
      'before initializing→starting.dependencies',
      'exit initializing',
      'enter starting',
      'enter starting.dependencies',
      'after starting.dependencies',
    ]);
    calls.length = 0;
    actor.reportHealth('degraded');
    expect(calls).toEqual([
      'before started.running.healthy→started.running.degraded',
      'exit started.running.healthy',
      'enter started.running.degraded',
      'after started.running.degraded',
    ]);
    calls.length = 0;
    await actor.stop();
    expect(calls).toContain('exit activity.idle');
    expect(calls).toContain('enter stopped');
  });

  it('a hook that throws crashes the actor with HookError', async () => {
    const { system } = harness();
    const errors: unknown[] = [];
    const def = defineActor({
      name: 'h',
      hooks: {
        onEnter: (s) => {
          if (s === 'starting.resources') throw new Error('nope');
        },
        onError: (e) => errors.push(e),
      },
    });
    const actor = system.spawn(def, { id: 'x' });
    const error = await actor.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect(error).toMatchObject({
      hook: 'onEnter',
      message: 'Hook onEnter of actor /x threw: nope',
    });
    expect(actor.state).toBe('crashed');
    expect(errors).toEqual([error]);
  });

  it('a hook that throws where the actor cannot crash surfaces as unhandled', async () => {
    const { system, unhandled } = harness();
    const def = defineActor({
      name: 'h',
      hooks: {
        onEnter: (s) => {
          if (s === 'stopped') throw new Error('late');
        },
      },
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    await actor.stop();
    expect(actor.state).toBe('stopped');
    expect(unhandled).toMatchObject([{ code: 'ERR_HOOK' }]);
  });
});

describe('health check', () => {
  it('probes on the clock, moves health, and crashes when the check throws', async () => {
    const { system, clock } = harness();
    let answer: 'healthy' | 'degraded' | 'boom' = 'healthy';
    const def = defineActor({
      name: 'hc',
      healthCheck: {
        intervalMs: 1_000,
        check: () => {
          if (answer === 'boom') throw new Error('probe failed');
          return answer;
        },
      },
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    answer = 'degraded';
    await clock.advance(999);
    expect(actor.state).toBe('started.running.healthy');
    await clock.advance(1);
    expect(actor.state).toBe('started.running.degraded');
    answer = 'healthy';
    await clock.advance(1_000);
    expect(actor.state).toBe('started.running.healthy');
    answer = 'boom';
    await expect(async () => {
      await clock.advance(1_000);
      throw actor.crashError;
    }).rejects.toBeInstanceOf(HealthCheckError);
    expect(actor.state).toBe('crashed');
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no timer behind when stopped', async () => {
    const { system, clock } = harness();
    const def = defineActor({
      name: 'hc',
      healthCheck: { intervalMs: 10, check: () => 'healthy' },
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    expect(clock.pendingTimers).toBe(1);
    await actor.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
