import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ResourceAcquireError,
  ResourceReleaseError,
  ResourceTimeoutError,
  ResourceUnavailableError,
  defineActor,
} from '@celeriac/actors';
import { harness, resourceLog } from './helpers.js';

describe('resources', () => {
  it('acquires in declaration order, types them, releases in reverse with the exit reason', async () => {
    const { system } = harness();
    const { log, pair } = resourceLog();
    const disposed: string[] = [];
    const def = defineActor({
      name: 'r',
      resources: {
        db: pair('db'),
        cache: pair('cache'),
        file: () => ({
          path: '/tmp/x',
          [Symbol.asyncDispose]: async () => void disposed.push('file'),
        }),
      },
    });
    const a = system.spawn(def, { id: 'a' });
    expect(() => a.resources).toThrow(ResourceUnavailableError);
    expect(() => a.resources).toThrow(/holds no resources in state "initializing"/);
    await a.start();
    expectTypeOf(a.resources.db).toEqualTypeOf<{ name: string }>();
    expectTypeOf(a.resources.file.path).toEqualTypeOf<string>();
    expect(a.resources.db.name).toBe('db');
    expect(a.resources.file.path).toBe('/tmp/x');
    await a.stop();
    expect(log).toEqual(['acquire db', 'acquire cache', 'release cache stop', 'release db stop']);
    expect(disposed).toEqual(['file']);
    expect(() => a.resources).toThrow(/state "stopped"/);
  });

  it('a failing acquire releases the ones acquired before it and crashes the actor', async () => {
    const { system, states } = harness();
    const { log, pair } = resourceLog();
    const def = defineActor({
      name: 'r',
      resources: { a: pair('a'), b: pair('b'), c: pair('c', { failAcquire: true }), d: pair('d') },
    });
    const actor = system.spawn(def, { id: 'x' });
    const error = await actor.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResourceAcquireError);
    expect(error).toMatchObject({ code: 'ERR_RESOURCE_ACQUIRE', resource: 'c', actorPath: '/x' });
    expect((error as Error).message).toBe(
      'Actor /x could not acquire resource "c": c acquire failed',
    );
    expect(log).toEqual([
      'acquire a',
      'acquire b',
      'acquire c',
      'release b crash',
      'release a crash',
    ]);
    expect(actor.state).toBe('crashed');
    expect(states('/x').slice(-2)).toEqual(['starting.resources', 'crashed']);
    // Stopping a crashed actor releases nothing twice.
    await actor.stop();
    expect(log).toHaveLength(5);
  });

  it('runs every release even when one throws, and surfaces the failures', async () => {
    const errors: unknown[] = [];
    const { system, records } = harness();
    const { log, pair } = resourceLog();
    const def = defineActor({
      name: 'r',
      resources: { a: pair('a'), b: pair('b', { failRelease: true }), c: pair('c') },
      hooks: { onError: (e) => void errors.push(e) },
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    const error = await actor.stop().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(log.slice(3)).toEqual(['release c stop', 'release b stop', 'release a stop']);
    expect(error).toBeInstanceOf(ResourceReleaseError);
    const release = error as ResourceReleaseError;
    expect(release.errors.map((e) => e.resource)).toEqual(['b']);
    expect(release.message).toBe('Actor /x failed to release "b" (b release failed)');
    expect(actor.state).toBe('stopped');
    expect(errors).toEqual([release]);
    expect(records.filter((r) => r.type === 'error')).toMatchObject([
      { type: 'error', path: '/x', state: 'stopping.resources', error: release },
    ]);
    // Closing twice is harmless.
    await actor.stop();
    expect(log).toHaveLength(6);
  });

  it('times out a slow acquire on the clock and releases a value that arrives late', async () => {
    const { system, clock } = harness();
    const released: string[] = [];
    let deliver!: (v: string) => void;
    const def = defineActor({
      name: 'slow',
      resourceTimeoutMs: 1_000,
      resources: {
        quick: { acquire: () => 'q', release: (v) => void released.push(v) },
        conn: {
          acquire: () => new Promise<string>((res) => (deliver = res)),
          release: (v) => void released.push(v),
        },
      },
    });
    const actor = system.spawn(def, { id: 's' });
    const started = actor.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await clock.advance(999);
    expect(actor.state).toBe('starting.resources');
    await clock.advance(1);
    const error = await started;
    expect(error).toBeInstanceOf(ResourceTimeoutError);
    expect(error).toMatchObject({
      resource: 'conn',
      timeoutMs: 1_000,
      code: 'ERR_RESOURCE_TIMEOUT',
    });
    expect(actor.state).toBe('crashed');
    expect(released).toEqual(['q']);
    deliver('late');
    await clock.advance(0);
    expect(released).toEqual(['q', 'late']);
  });

  it('per-resource timeoutMs overrides the default', async () => {
    const { system, clock } = harness();
    const def = defineActor({
      name: 'slow',
      resources: { conn: { acquire: () => new Promise<never>(() => {}), timeoutMs: 50 } },
    });
    const actor = system.spawn(def, { id: 's' });
    const started = actor.start().catch((e: unknown) => e);
    await clock.advance(50);
    expect(await started).toMatchObject({ timeoutMs: 50 });
  });

  it('releases resources after a task crash, with reason crash', async () => {
    const { system, clock } = harness();
    const { log, pair } = resourceLog();
    const def = defineActor({
      name: 'r',
      resources: { a: pair('a'), b: pair('b') },
      tasks: { t: { run: () => Promise.reject(new Error('x')) } },
      initialTask: 't',
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    await clock.advance(0);
    expect(actor.state).toBe('crashed');
    expect(log).toEqual(['acquire a', 'acquire b', 'release b crash', 'release a crash']);
  });

  it('attaches a release failure after a crash to the crash error', async () => {
    const { system, clock, unhandled } = harness();
    const { pair } = resourceLog();
    const def = defineActor({
      name: 'r',
      resources: { a: pair('a', { failRelease: true }) },
      tasks: { t: { run: () => Promise.reject(new Error('x')) } },
      initialTask: 't',
    });
    const actor = system.spawn(def, { id: 'x' });
    await actor.start();
    await clock.advance(0);
    expect(unhandled).toHaveLength(1);
    expect(unhandled[0]).toMatchObject({ code: 'ERR_TASK_FAILED' });
    expect((unhandled[0] as { releaseError: unknown }).releaseError).toBeInstanceOf(
      ResourceReleaseError,
    );
  });

  it('acquire gets an AbortSignal that fires when the actor is stopped meanwhile', async () => {
    const { system } = harness();
    let seen: AbortSignal | undefined;
    const def = defineActor({
      name: 'r',
      resources: {
        conn: {
          acquire: ({ signal }) => {
            seen = signal;
            return new Promise<string>((res) => signal.addEventListener('abort', () => res('x')));
          },
        },
      },
    });
    const actor = system.spawn(def, { id: 'x' });
    const started = actor.start().catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    await actor.stop().catch(() => undefined);
    expect(seen?.aborted).toBe(true);
    expect(await started).toMatchObject({ code: 'ERR_ACTOR_INTERRUPTED' });
  });
});
