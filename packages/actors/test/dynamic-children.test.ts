import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ActorDefinitionError,
  ChildStartError,
  DuplicateActorIdError,
  IllegalTransitionError,
  NotASupervisorError,
  RestartIntensityError,
  UnknownChildError,
  asSupervisor,
  defineActor,
  defineSupervisor,
} from '@celeriac/actors';
import type { ActorRef, Strategy, SupervisorRef } from '@celeriac/actors';
import { harness } from './helpers.js';

/** Children that log up/down and crash when the test says so. */
function family() {
  const log: string[] = [];
  const triggers = new Map<string, (e: Error) => void>();
  const child = defineActor({
    name: 'child',
    resources: {
      r: {
        acquire: ({ actor }) => void log.push(`up ${actor.id}`),
        release: (_v, reason) => void log.push(`down ${reason}`),
      },
    },
    tasks: {
      work: {
        run: ({ actor, signal }) =>
          new Promise((_, reject) => {
            triggers.set(actor.path, reject);
            signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      },
    },
    initialTask: 'work',
  });
  const crash = (path: string) => triggers.get(path)!(new Error(`${path} crashed`));
  return { log, child, crash };
}

function pool(strategy: Strategy, child: ReturnType<typeof family>['child']) {
  return defineSupervisor({
    name: 'pool',
    strategy,
    intensity: { maxRestarts: 3, withinMs: 10_000 },
    backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
    children: [
      { id: 'a', actor: child },
      { id: 'b', actor: child },
    ],
  });
}

const ids = (refs: readonly ActorRef[]) => refs.map((r) => r.id);

describe('dynamic children', () => {
  it('spawn gives a SupervisorRef; addChild starts the child last and stop stops it first', async () => {
    const { system } = harness();
    const { log, child } = family();
    const sup = system.spawn(pool('one-for-one', child), { id: 'pool' });
    expectTypeOf(sup).toEqualTypeOf<
      SupervisorRef<readonly [{ id: 'a'; actor: typeof child }, { id: 'b'; actor: typeof child }]>
    >();
    expect(sup.children).toEqual([]);
    await sup.start();
    expect(ids(sup.children)).toEqual(['a', 'b']);
    const c = await sup.addChild({ id: 'c', actor: child });
    expect(c.path).toBe('/pool/c');
    expect(c.parent).toBe(sup);
    expect(c.state).toBe('started.running.healthy');
    expect(system.get('/pool/c')).toBe(c);
    expect(ids(sup.children)).toEqual(['a', 'b', 'c']);
    expect((sup.resources as Record<string, ActorRef>).c).toBe(c);
    expect(log).toEqual(['up a', 'up b', 'up c']);
    log.length = 0;
    const report = await sup.stop();
    expect(log).toEqual(['down stop', 'down stop', 'down stop']);
    expect(report.children.map((r) => r.path)).toEqual(['/pool/c', '/pool/b', '/pool/a']);
  });

  it('one-for-one: an added child is restarted alone, after the backoff', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(pool('one-for-one', child), { id: 'pool' });
    await sup.start();
    await sup.addChild({ id: 'c', actor: child });
    log.length = 0;
    crash('/pool/c');
    await clock.advance(99);
    expect(log).toEqual(['down crash']);
    await clock.advance(1);
    expect(log).toEqual(['down crash', 'up c']);
    expect(system.get('/pool/c')?.state).toBe('started.running.healthy');
  });

  it('one-for-all: an added child crashing restarts every child, stopping in reverse start order', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(pool('one-for-all', child), { id: 'pool' });
    await sup.start();
    await sup.addChild({ id: 'c', actor: child });
    await sup.addChild({ id: 'd', actor: child });
    log.length = 0;
    crash('/pool/c');
    await clock.advance(100);
    expect(log).toEqual([
      'down crash',
      'down stop',
      'down stop',
      'down stop',
      'up a',
      'up b',
      'up c',
      'up d',
    ]);
  });

  it('rest-for-one: a declared child crashing restarts it and the children added after it', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(pool('rest-for-one', child), { id: 'pool' });
    await sup.start();
    await sup.addChild({ id: 'c', actor: child });
    log.length = 0;
    crash('/pool/b');
    await clock.advance(100);
    expect(log).toEqual(['down crash', 'down stop', 'up b', 'up c']);
    expect(system.get('/pool/a')?.state).toBe('started.running.healthy');
  });

  it('the restart intensity counts added children: too many crashes escalate', async () => {
    const { system, clock, unhandled } = harness();
    const { child, crash } = family();
    const sup = system.spawn(pool('one-for-one', child), { id: 'pool' });
    await sup.start();
    await sup.addChild({ id: 'c', actor: child });
    for (let i = 0; i < 4; i++) {
      crash('/pool/c');
      await clock.advance(1_000);
    }
    expect(sup.state).toBe('crashed');
    expect(sup.crashError).toBeInstanceOf(RestartIntensityError);
    expect(unhandled).toEqual([sup.crashError]);
  });

  it('removeChild stops and forgets a child: not restarted, id free, not back after a restart', async () => {
    const { system, clock } = harness();
    const { log, child } = family();
    const sup = system.spawn(pool('one-for-all', child), { id: 'pool' });
    await sup.start();
    const c = await sup.addChild({ id: 'c', actor: child });
    log.length = 0;
    const report = await sup.removeChild('c');
    expect(report).toMatchObject({ path: '/pool/c', clean: true });
    expect(c.state).toBe('stopped');
    expect(log).toEqual(['down stop']);
    await clock.advance(10_000);
    expect(log).toEqual(['down stop']);
    expect(system.get('/pool/c')).toBeUndefined();
    expect(ids(sup.children)).toEqual(['a', 'b']);
    // A declared child can be removed too; the supervisor's own restart keeps the set.
    await sup.removeChild('a');
    const c2 = await sup.addChild({ id: 'c', actor: child });
    expect(c2).not.toBe(c);
    log.length = 0;
    await sup.restart();
    // Children are stopped (reason `stop`) and started again by the supervisor's restart.
    expect(log).toEqual(['down stop', 'down stop', 'up b', 'up c']);
    expect(ids(sup.children)).toEqual(['b', 'c']);
    await expect(sup.removeChild('zz')).rejects.toThrow(UnknownChildError);
    await expect(sup.removeChild('zz')).rejects.toThrow(
      'Supervisor /pool has no child "zz" (children: "b", "c")',
    );
  });

  it('removeChild is bounded: a stuck child is abandoned after timeoutMs', async () => {
    const { system, clock } = harness();
    const stuck = defineActor({
      name: 'stuck',
      tasks: { work: { run: () => new Promise<never>(() => {}) } },
      initialTask: 'work',
    });
    const sup = system.spawn(defineSupervisor({ name: 'pool', children: [] }), { id: 'pool' });
    await sup.start();
    await sup.addChild({ id: 'x', actor: stuck, shutdownTimeoutMs: 60_000 });
    const removing = sup.removeChild('x', { timeoutMs: 500 });
    await clock.advance(500);
    await expect(removing).resolves.toMatchObject({
      path: '/pool/x',
      clean: false,
      abandoned: { task: 'work', timeoutMs: 500 },
    });
    expect(sup.children).toEqual([]);
  });

  it('refuses bad, duplicate and untimely children with errors that say which', async () => {
    const { system } = harness();
    const { child } = family();
    const sup = system.spawn(pool('one-for-one', child), { id: 'pool' });
    await expect(sup.addChild({ id: 'c', actor: child })).rejects.toThrow(IllegalTransitionError);
    await expect(sup.addChild({ id: 'c', actor: child })).rejects.toThrow(
      'Cannot addChild() actor /pool in state "initializing"',
    );
    await sup.start();
    await expect(sup.addChild({ id: 'a', actor: child })).rejects.toThrow(DuplicateActorIdError);
    await expect(sup.addChild({ id: 'x/y', actor: child })).rejects.toThrow(
      'Supervisor /pool: child id "x/y" contains "/", which separates the ids of a tree path',
    );
    await expect(sup.addChild({ id: '', actor: child })).rejects.toThrow(ActorDefinitionError);
    await sup.stop();
    await expect(sup.addChild({ id: 'c', actor: child })).rejects.toThrow(/in state "stopped"/);
  });

  it('a child that fails to start is named as a child, and not added', async () => {
    const { system, unhandled } = harness();
    const broken = defineActor({
      name: 'broken',
      resources: {
        conn: () => {
          throw new Error('connection refused');
        },
      },
    });
    const sup = system.spawn(defineSupervisor({ name: 'pool', children: [] }), { id: 'pool' });
    await sup.start();
    const error = await sup.addChild({ id: 'bad', actor: broken }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChildStartError);
    expect((error as Error).message).toBe(
      'Supervisor /pool could not start child "bad": Actor /pool/bad could not acquire resource "conn": connection refused',
    );
    expect(sup.children).toEqual([]);
    expect(system.get('/pool/bad')).toBeUndefined();
    expect(sup.state).toBe('started.running.healthy');
    expect(unhandled).toEqual([]);
    // The same at definition time: the supervisor's start fails, naming the child.
    const root = system.spawn(
      defineSupervisor({ name: 'root', children: [{ id: 'bad', actor: broken }] }),
      { id: 'root' },
    );
    await expect(root.start()).rejects.toThrow(
      /^Supervisor \/root could not start child "bad": Actor \/root\/bad could not acquire resource "conn"/,
    );
  });

  it('asSupervisor types a nested supervisor; other actors are refused', async () => {
    const { system } = harness();
    const { child } = family();
    const root = system.spawn(
      defineSupervisor({
        name: 'worker',
        children: [
          { id: 'pool', actor: pool('one-for-one', child) },
          { id: 'plain', actor: defineActor({ name: 'plain' }) },
        ],
      }),
      { id: 'w' },
    );
    await root.start();
    const nested = asSupervisor(root.resources.pool);
    expect(ids(nested.children)).toEqual(['a', 'b']);
    await nested.addChild({ id: 'c', actor: child });
    expect(system.get('/w/pool/c')?.state).toBe('started.running.healthy');
    expect(() => asSupervisor(root.resources.plain)).toThrow(NotASupervisorError);
    expect(() => asSupervisor(root.resources.plain)).toThrow(
      'Actor /w/plain (kind "plain") is not a supervisor: it was not defined with defineSupervisor',
    );
    await root.stop();
  });

  it('added children survive the supervisor being restarted by its parent', async () => {
    const { system, clock } = harness();
    const { child, crash } = family();
    const inner = defineSupervisor({
      name: 'inner',
      intensity: { maxRestarts: 0, withinMs: 1_000 },
      children: [{ id: 'a', actor: child }],
    });
    const root = system.spawn(
      defineSupervisor({
        name: 'root',
        backoff: { initialMs: 10, jitter: 0 },
        children: [{ id: 'inner', actor: inner }],
      }),
      { id: 'root' },
    );
    await root.start();
    const sup = asSupervisor(root.resources.inner);
    await sup.addChild({ id: 'extra', actor: child });
    crash('/root/inner/extra');
    await clock.advance(0);
    expect(sup.state).toBe('crashed');
    await clock.advance(10);
    expect(sup.state).toBe('started.running.healthy');
    expect(ids(sup.children)).toEqual(['a', 'extra']);
    expect(system.get('/root/inner/extra')?.state).toBe('started.running.healthy');
  });
});

describe('supervisor specs are checked at definition', () => {
  const leaf = defineActor({ name: 'leaf' });
  it('rejects duplicate ids, ids with "/", empty ids, missing definitions, bad kinds', () => {
    expect(() =>
      defineSupervisor({
        name: 'sup',
        children: [
          { id: 'x', actor: leaf },
          { id: 'x', actor: leaf },
        ],
      }),
    ).toThrow('sup: duplicate child id "x"');
    expect(() => defineSupervisor({ name: 'sup', children: [{ id: 'a/b', actor: leaf }] })).toThrow(
      /child id "a\/b" contains "\/"/,
    );
    expect(() => defineSupervisor({ children: [{ id: '', actor: leaf }] })).toThrow(
      'supervisor: a child id must be a non-empty string, got ',
    );
    expect(() =>
      defineSupervisor({ name: 'sup', children: [{ id: 'x', actor: undefined as never }] }),
    ).toThrow('sup: child "x" has no actor definition (use defineActor or defineSupervisor)');
    expect(() =>
      defineSupervisor({
        name: 'sup',
        children: [{ id: 'x', actor: leaf, kind: 'forever' as never }],
      }),
    ).toThrow('sup: child "x" has unknown kind "forever"');
    expect(() =>
      defineSupervisor({ name: 'sup', strategy: 'all-for-none' as never, children: [] }),
    ).toThrow('sup: unknown strategy "all-for-none"');
  });
});
