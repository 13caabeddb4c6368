import { describe, expect, it } from 'vitest';
import { RestartIntensityError, defineActor, defineSupervisor } from '@celeriac/actors';
import type { ChildKind, Strategy } from '@celeriac/actors';
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

function supervisor(
  strategy: Strategy,
  child: ReturnType<typeof family>['child'],
  kinds: ChildKind[] = ['permanent', 'permanent', 'permanent'],
) {
  return defineSupervisor({
    name: 'sup',
    strategy,
    intensity: { maxRestarts: 3, withinMs: 10_000 },
    backoff: { initialMs: 100, maxMs: 1_000 },
    children: [
      { id: 'a', actor: child, kind: kinds[0]! },
      { id: 'b', actor: child, kind: kinds[1]! },
      { id: 'c', actor: child, kind: kinds[2]! },
    ],
  });
}

describe('supervisors', () => {
  it('start children in order under their paths and stop them in reverse', async () => {
    const { system } = harness();
    const { log, child } = family();
    const sup = system.spawn(supervisor('one-for-one', child), { id: 'sup' });
    await sup.start();
    expect(log).toEqual(['up a', 'up b', 'up c']);
    expect(sup.resources.b.path).toBe('/sup/b');
    expect(system.get('/sup/c')?.state).toBe('started.running.healthy');
    expect(sup.activity).toBe('supervising.running');
    await sup.stop();
    expect(log.slice(3)).toEqual(['down stop', 'down stop', 'down stop']);
    expect(() => sup.resources).toThrow(/holds no resources in state "stopped"/);
  });

  it('one-for-one restarts only the crashed child, after the backoff', async () => {
    const { system, clock, transitions } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(supervisor('one-for-one', child), { id: 'sup' });
    await sup.start();
    log.length = 0;
    crash('/sup/b');
    await clock.advance(0);
    expect(system.get('/sup/b')?.state).toBe('crashed');
    expect(sup.activity).toBe('recovering.running');
    await clock.advance(99);
    expect(log).toEqual(['down crash']);
    await clock.advance(1);
    expect(log).toEqual(['down crash', 'up b']);
    expect(system.get('/sup/b')?.state).toBe('started.running.healthy');
    expect(sup.activity).toBe('supervising.running');
    expect(transitions('/sup/b').some((t) => t.to.startsWith('restarting.'))).toBe(true);
  });

  it('one-for-all stops the others in reverse and restarts all in order', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(supervisor('one-for-all', child), { id: 'sup' });
    await sup.start();
    log.length = 0;
    crash('/sup/b');
    await clock.advance(100);
    expect(log).toEqual(['down crash', 'down stop', 'down stop', 'up a', 'up b', 'up c']);
  });

  it('rest-for-one restarts the crashed child and those after it', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(supervisor('rest-for-one', child), { id: 'sup' });
    await sup.start();
    log.length = 0;
    crash('/sup/b');
    await clock.advance(100);
    expect(log).toEqual(['down crash', 'down stop', 'up b', 'up c']);
    expect(system.get('/sup/a')?.state).toBe('started.running.healthy');
  });

  it('child kinds: temporary never restarted, transient only after a crash, permanent always', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(
      supervisor('one-for-one', child, ['temporary', 'transient', 'permanent']),
      { id: 'sup' },
    );
    await sup.start();
    log.length = 0;
    crash('/sup/a');
    await clock.advance(1_000);
    expect(system.get('/sup/a')?.state).toBe('crashed');
    expect(log).toEqual(['down crash']);

    await system.get('/sup/b')!.stop();
    await clock.advance(1_000);
    expect(system.get('/sup/b')?.state).toBe('stopped');

    await system.get('/sup/b')!.start();
    crash('/sup/b');
    await clock.advance(1_000);
    expect(system.get('/sup/b')?.state).toBe('started.running.healthy');

    log.length = 0;
    await system.get('/sup/c')!.stop();
    await clock.advance(1_000);
    expect(system.get('/sup/c')?.state).toBe('started.running.healthy');
    expect(log).toEqual(['down stop', 'up c']);
  });

  it('one-for-all does not restart temporary siblings', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(
      supervisor('one-for-all', child, ['temporary', 'permanent', 'permanent']),
      { id: 'sup' },
    );
    await sup.start();
    log.length = 0;
    crash('/sup/c');
    await clock.advance(100);
    expect(log).toEqual(['down crash', 'down stop', 'down stop', 'up b', 'up c']);
    expect(system.get('/sup/a')?.state).toBe('stopped');
  });

  it('backs off exponentially between restarts within the window', async () => {
    const { system, clock } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(supervisor('one-for-one', child), { id: 'sup' });
    await sup.start();
    const restartedAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      log.length = 0;
      const crashedAt = clock.now();
      crash('/sup/a');
      while (!log.includes('up a')) await clock.advance(1);
      restartedAt.push(clock.now() - crashedAt);
    }
    expect(restartedAt).toEqual([100, 200, 400]);
  });

  it('jitters the backoff with the injected random source', async () => {
    const { system, clock } = harness({ random: () => 0 });
    const { log, child, crash } = family();
    const sup = system.spawn(supervisor('one-for-one', child), { id: 'sup' });
    await sup.start();
    log.length = 0;
    crash('/sup/a');
    await clock.advance(79);
    expect(log).toEqual(['down crash']);
    await clock.advance(1); // 100 ms − 20 % jitter
    expect(log).toEqual(['down crash', 'up a']);
  });

  it('crashes when the restart intensity is exceeded, stopping its children; unsupervised, it surfaces', async () => {
    const { system, clock, unhandled } = harness();
    const { log, child, crash } = family();
    const sup = system.spawn(supervisor('one-for-one', child), { id: 'sup' });
    await sup.start();
    for (let i = 0; i < 4; i++) {
      crash('/sup/a');
      await clock.advance(1_000);
    }
    expect(sup.state).toBe('crashed');
    expect(sup.crashError).toBeInstanceOf(RestartIntensityError);
    expect((sup.crashError as Error).message).toMatch(
      /Supervisor \/sup exceeded 3 restarts within 10000 ms; last failure: .*\/sup\/a crashed/,
    );
    expect(unhandled).toEqual([sup.crashError]);
    expect(['stopped', 'crashed']).toContain(system.get('/sup/a')?.state);
    expect(system.get('/sup/b')?.state).toBe('stopped');
    expect(log.slice(-2)).toEqual(['down stop', 'down stop']);
  });

  it('forgets restarts that fall outside the window', async () => {
    const { system, clock } = harness();
    const { child, crash } = family();
    const sup = system.spawn(supervisor('one-for-one', child), { id: 'sup' });
    await sup.start();
    for (let i = 0; i < 8; i++) {
      crash('/sup/a');
      await clock.advance(6_000);
    }
    expect(sup.state).toBe('started.running.healthy');
  });

  it('escalates: a crashed child supervisor is restarted by its parent, with its children', async () => {
    const { system, clock, unhandled } = harness();
    const { log, child, crash } = family();
    const inner = defineSupervisor({
      name: 'inner',
      intensity: { maxRestarts: 1, withinMs: 10_000 },
      backoff: { initialMs: 10 },
      children: [{ id: 'leaf', actor: child }],
    });
    const outer = defineSupervisor({
      name: 'outer',
      strategy: 'one-for-one',
      backoff: { initialMs: 500 },
      children: [{ id: 'inner', actor: inner }],
    });
    const root = system.spawn(outer, { id: 'root' });
    await root.start();
    expect(system.get('/root/inner/leaf')?.state).toBe('started.running.healthy');
    crash('/root/inner/leaf');
    await clock.advance(10);
    crash('/root/inner/leaf');
    await clock.advance(10);
    expect(system.get('/root/inner')?.state).toBe('crashed');
    expect(system.get('/root/inner')?.crashError).toBeInstanceOf(RestartIntensityError);
    log.length = 0;
    await clock.advance(500);
    expect(system.get('/root/inner')?.state).toBe('started.running.healthy');
    expect(system.get('/root/inner/leaf')?.state).toBe('started.running.healthy');
    expect(log).toEqual(['up leaf']);
    expect(root.state).toBe('started.running.healthy');
    expect(unhandled).toEqual([]);
  });
});
