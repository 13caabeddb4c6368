import { describe, expect, it } from 'vitest';
import {
  ACTOR_STATES,
  ActorInterruptedError,
  IllegalTransitionError,
  defineActor,
} from '@celeriac/actors';
import { harness } from './helpers.js';

const plain = defineActor({ name: 'plain' });

describe('lifecycle statechart', () => {
  it('walks initializing → starting.{dependencies,resources,tasks} → started → stopping.{tasks,resources,dependencies} → stopped', async () => {
    const { system, states } = harness();
    const a = system.spawn(plain, { id: 'a' });
    expect(a.state).toBe('initializing');
    expect(a.activity).toBeUndefined();
    await a.start();
    expect(a.state).toBe('started.running.healthy');
    expect(a.activity).toBe('idle');
    expect(a.health).toBe('healthy');
    await a.stop();
    expect(a.state).toBe('stopped');
    expect(states('/a')).toEqual([
      'starting.dependencies',
      'starting.resources',
      'starting.tasks',
      'started.running.healthy',
      'stopping.tasks',
      'stopping.resources',
      'stopping.dependencies',
      'stopped',
    ]);
    for (const s of states('/a')) expect(ACTOR_STATES).toContain(s);
  });

  it('records the cause of each transition', async () => {
    const { system, transitions } = harness();
    const a = system.spawn(plain, { id: 'a' });
    await a.start();
    const [first, second] = transitions('/a');
    expect(first).toMatchObject({
      actorId: 'a',
      path: '/a',
      from: 'initializing',
      event: 'start',
      at: 0,
    });
    expect(second).toMatchObject({ event: 'xstate.done.actor.dependencies' });
  });

  it('moves between health levels, and pause/resume keeps the health it paused in', async () => {
    const { system } = harness();
    const a = system.spawn(plain, { id: 'a' });
    await a.start();
    a.reportHealth('degraded');
    expect(a.state).toBe('started.running.degraded');
    a.reportHealth('unhealthy');
    expect(a.state).toBe('started.running.unhealthy');
    a.pause();
    expect(a.state).toBe('started.paused');
    expect(a.health).toBeUndefined();
    a.resume();
    expect(a.state).toBe('started.running.unhealthy');
    a.reportHealth('healthy');
    expect(a.state).toBe('started.running.healthy');
  });

  it('starts again after stopped', async () => {
    const { system } = harness();
    const a = system.spawn(plain, { id: 'a' });
    await a.start();
    await a.stop();
    await a.start();
    expect(a.state).toBe('started.running.healthy');
  });

  it('refuses illegal triggers with an error naming the state', async () => {
    const { system } = harness();
    const a = system.spawn(plain, { id: 'a' });
    expect(() => a.pause()).toThrow('Cannot pause() actor /a in state "initializing"');
    expect(() => a.resume()).toThrow(IllegalTransitionError);
    expect(() => a.reportHealth('degraded')).toThrow(/state "initializing"/);
    await expect(a.restart()).rejects.toThrow(
      /Cannot restart\(\) actor \/a in state "initializing"/,
    );
    await a.start();
    await expect(a.start()).rejects.toMatchObject({
      code: 'ERR_ILLEGAL_TRANSITION',
      trigger: 'start',
      state: 'started.running.healthy',
    });
    expect(() => a.resume()).toThrow(/resume\(\) .* "started.running.healthy"/);
    a.pause();
    expect(() => a.pause()).toThrow(/"started.paused"/);
    await a.stop();
    expect(() => a.pause()).toThrow(/"stopped"/);
    await expect(a.restart()).rejects.toThrow(/"stopped"/);
  });

  it('refuses start while stopping, naming the stopping state', async () => {
    const { system } = harness();
    let releaseNow!: () => void;
    const slow = defineActor({
      name: 'slow',
      resources: {
        r: { acquire: () => 1, release: () => new Promise<void>((res) => (releaseNow = res)) },
      },
    });
    const a = system.spawn(slow, { id: 'a' });
    await a.start();
    const stopping = a.stop();
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(a.state).toBe('stopping.resources');
    await expect(a.start()).rejects.toThrow(
      /Cannot start\(\) actor \/a in state "stopping.resources"/,
    );
    releaseNow();
    await stopping;
  });

  it('memoizes start and stop; stop is idempotent and await using stops', async () => {
    const { system } = harness();
    const a = system.spawn(plain, { id: 'a' });
    const s1 = a.start();
    expect(a.start()).toBe(s1);
    await s1;
    const t1 = a.stop();
    expect(a.stop()).toBe(t1);
    expect(a.close()).toBe(t1);
    await t1;
    await a.stop();
    expect(a.state).toBe('stopped');
    {
      await using b = system.spawn(plain, { id: 'b' });
      await b.start();
    }
    expect(system.get('/b')?.state).toBe('stopped');
  });

  it('stop while starting interrupts start()', async () => {
    const { system } = harness();
    let acquired!: (v: number) => void;
    const def = defineActor({
      name: 'x',
      resources: { r: { acquire: () => new Promise<number>((res) => (acquired = res)) } },
    });
    const a = system.spawn(def, { id: 'a' });
    const starting = a.start();
    await new Promise((r) => setImmediate(r));
    expect(a.state).toBe('starting.resources');
    const stopping = a.stop();
    acquired(1);
    await expect(starting).rejects.toBeInstanceOf(ActorInterruptedError);
    await stopping;
    expect(a.state).toBe('stopped');
  });

  it('stop from initializing goes straight to stopped', async () => {
    const { system } = harness();
    const a = system.spawn(plain, { id: 'a' });
    await a.stop();
    expect(a.state).toBe('stopped');
  });

  it('gives actors tree paths and refuses duplicate ids', () => {
    const { system } = harness();
    const root = system.spawn(plain, { id: 'worker' });
    const pool = system.spawn(plain, { id: 'pool', parent: root });
    const ex = system.spawn(plain, { id: 'executor-3', parent: pool });
    expect(ex.path).toBe('/worker/pool/executor-3');
    expect(system.get('/worker/pool/executor-3')).toBe(ex);
    expect(() => system.spawn(plain, { id: 'pool', parent: root })).toThrow(
      /already lives at \/worker\/pool/,
    );
    expect(system.spawn(plain).id).toMatch(/^plain-\d+$/);
    expect(() => system.spawn(plain, { id: 'a/b' })).toThrow(
      'spawn: an actor id must be a non-empty string without "/" (which separates the ids of a tree path), got "a/b"',
    );
    expect(() => system.spawn(plain, { id: '' })).toThrow(/got ""/);
  });

  it('system.close stops every actor', async () => {
    const { system } = harness();
    const a = system.spawn(plain, { id: 'a' });
    const b = system.spawn(plain, { id: 'b' });
    await a.start();
    await b.start();
    await system.close();
    expect([a.state, b.state]).toEqual(['stopped', 'stopped']);
  });
});
