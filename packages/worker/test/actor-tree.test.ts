import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('the worker as an actor tree', () => {
  it('spawns connection, events, pool (with executors), timer, consumer, control under the node', async () => {
    // (supervisors: the root is rest-for-one, the pool one-for-one)
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.add', async () => 1)], {
      concurrency: 2,
      control: true,
      events: true,
    });
    await w.start();
    const paths = w.tree.root.system.actors.map((a) => a.path);
    expect(paths, JSON.stringify(paths)).toEqual([
      '/w1@test',
      '/w1@test/connection',
      '/w1@test/events',
      '/w1@test/pool',
      '/w1@test/pool/executor-1',
      '/w1@test/pool/executor-2',
      '/w1@test/timer',
      '/w1@test/consumer',
      '/w1@test/control',
    ]);
    for (const actor of w.tree.root.system.actors)
      expect(actor.state).toBe('started.running.healthy');
  });

  it('an executor reads idle → <task>.running → idle', async () => {
    await using fx = new Fixture();
    const g = gate();
    const w = fx.worker([implementTask('proj.wait', async () => g.opened)], { concurrency: 1 });
    await w.start();
    const executor = w.tree.root.system.get('/w1@test/pool/executor-1')!;
    expect(executor.activity).toBe('idle');
    const id = await fx.send(celeryMessage('proj.wait'));
    await waitFor(() => executor.activity === 'proj:wait.running');
    g.open();
    await fx.result(id, 'SUCCESS');
    await waitFor(() => executor.activity === 'idle');
  });

  it('the connection reports degraded while the transport reconnects, and the consumer actor pauses', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.t', async () => 1)]);
    await w.start();
    fx.transports[0]!.reportStatus('reconnecting');
    expect(w.tree.child('connection')!.state).toBe('started.running.degraded');
    expect(w.tree.child('consumer')!.state).toBe('started.paused');
    fx.transports[0]!.reportStatus('connected');
    expect(w.tree.child('connection')!.state).toBe('started.running.healthy');
    expect(w.tree.child('consumer')!.state).toBe('started.running.healthy');
  });

  it('releases the tree in reverse order: control first, connection last', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.t', async () => 1)], { control: true, events: true });
    const stopped: string[] = [];
    await w.start();
    w.tree.root.system.inspect((record) => {
      if (record.type === 'transition' && record.to === 'stopping.resources') {
        stopped.push(record.path);
      }
    });
    await w.stop();
    expect(
      stopped.filter((p) => !p.includes('executor-')),
      JSON.stringify(stopped),
    ).toEqual([
      '/w1@test',
      '/w1@test/control',
      '/w1@test/consumer',
      '/w1@test/timer',
      '/w1@test/pool',
      '/w1@test/events',
      '/w1@test/connection',
    ]);
  });

  it('threads and processes pools need the app module their units import', async () => {
    await using fx = new Fixture();
    expect(() => fx.worker([], { pool: 'processes' })).toThrow(/appModule: the processes pool/);
    expect(() => fx.worker([], { pool: 'threads' })).toThrow(/appModule: the threads pool/);
  });
});

describe('supervision', () => {
  it('a hard time limit ends the unit: the pool restarts its executor with a fresh one', async () => {
    await using fx = new Fixture();
    const w = fx.worker(
      [
        implementTask('proj.stuck', () => new Promise(() => {}), { timeLimit: 1 }),
        implementTask('proj.ok', async () => 'ok'),
      ],
      { concurrency: 1 },
    );
    await w.start();
    const executor = w.tree.root.system.get('/w1@test/pool/executor-1')!;
    const seen: string[] = [];
    w.tree.root.system.inspect((r) => {
      if (r.type === 'transition' && r.path === executor.path) seen.push(r.to);
    });
    const id = await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => w.inspect.active().length === 1);
    await fx.clock.advance(1_000);
    await fx.result(id, 'FAILURE');
    await waitFor(() => seen.some((s) => s.startsWith('restarting')));
    await waitFor(() => executor.state === 'started.running.healthy');
    const ok = await fx.send(celeryMessage('proj.ok'));
    await fx.result(ok, 'SUCCESS');
    expect(seen.at(-1)).toBe('started.running.healthy');
    expect(fx.logged('warn').some((l) => l.message.startsWith(`Replacing ${executor.path}`))).toBe(
      true,
    );
  });
});
