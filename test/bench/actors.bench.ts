/**
 * Actor overhead (DESIGN.md "Targets"): create + start + stop of a celeriac actor against a
 * bare XState actor of the same lifecycle machine, and the memory of 100,000 idle started
 * actors. Prints one JSON line per case.
 *
 *   npm run bench:actors
 *
 * The bare XState case runs the very statechart a celeriac actor runs (`definition.machine`),
 * with its phases provided as no-op promise actors, driven the way an XState user would:
 * createActor, start, send start, wait for `started`, send stop, wait for `stopped`.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createActor, fromPromise } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { createActorSystem, defineActor } from '@celeriac/actors';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const definition = defineActor({ name: 'bench' });
const noop = fromPromise(async () => {});
type Implementations = Parameters<typeof definition.machine.provide>[0];
const bareMachine = definition.machine.provide({
  actors: {
    startDependencies: noop,
    acquireResources: noop,
    startTasks: noop,
    drainTasks: noop,
    releaseForStop: noop,
    releaseForRestart: noop,
    releaseDependencies: noop,
    releaseAfterCrash: noop,
  },
  actions: {
    recordCrash: () => {},
    crashSettled: () => {},
    settledStarted: () => {},
    settledStopped: () => {},
    enterActivity: () => {},
    exitActivity: () => {},
    gateChanged: () => {},
  },
} as unknown as Implementations);

function reach(actor: AnyActorRef, state: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = actor.subscribe((snapshot: { matches(s: string): boolean }) => {
      if (snapshot.matches(state)) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
}

async function bareCycle(): Promise<AnyActorRef> {
  const actor = createActor(bareMachine, { input: {} as never }).start();
  const started = reach(actor, 'started');
  actor.send({ type: 'start' });
  await started;
  const stopped = reach(actor, 'stopped');
  actor.send({ type: 'stop' });
  await stopped;
  return actor;
}

async function timeCycles(n: number, cycle: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await cycle();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function overhead(): Promise<void> {
  const n = 20_000;
  let system = createActorSystem();
  let spawned = 0;
  const celeriacCycle = async (): Promise<void> => {
    // A fresh system now and then, so the registry of stopped actors does not grow forever.
    if (++spawned % 5_000 === 0) {
      await system.close();
      system = createActorSystem();
    }
    const actor = system.spawn(definition);
    await actor.start();
    await actor.stop();
  };
  // Warm up both paths, then alternate rounds so drift hits both equally.
  await timeCycles(5_000, celeriacCycle);
  await timeCycles(5_000, bareCycle);
  let celeriacSeconds = 0;
  let xstateSeconds = 0;
  for (let round = 0; round < 3; round++) {
    xstateSeconds += await timeCycles(n, bareCycle);
    celeriacSeconds += await timeCycles(n, celeriacCycle);
  }
  const total = 3 * n;
  const perSecond = (s: number) => Math.round(total / s);
  console.log(
    JSON.stringify({
      case: 'create+start+stop',
      actors: total,
      celeriac_per_second: perSecond(celeriacSeconds),
      xstate_per_second: perSecond(xstateSeconds),
      celeriac_us_per_actor: +((celeriacSeconds / total) * 1e6).toFixed(2),
      xstate_us_per_actor: +((xstateSeconds / total) * 1e6).toFixed(2),
      ratio_vs_xstate: +(celeriacSeconds / xstateSeconds).toFixed(3),
      target: '<= 2',
    }),
  );
  await system.close();
}

async function heapAfter(
  build: () => Promise<unknown[]>,
): Promise<{ bytes: number; keep: unknown[] }> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep = await build();
  gc();
  gc();
  return { bytes: process.memoryUsage().heapUsed - before, keep };
}

async function memory(): Promise<void> {
  const n = 100_000;
  const batch = 1_000;
  const system = createActorSystem();
  const celeriac = await heapAfter(async () => {
    const actors = [];
    for (let i = 0; i < n; i += batch) {
      const group = Array.from({ length: batch }, () => system.spawn(definition));
      await Promise.all(group.map((a) => a.start()));
      actors.push(...group);
    }
    return actors;
  });
  const started = (celeriac.keep as { state: string }[]).filter((a) =>
    a.state.startsWith('started.'),
  ).length;
  const bare = await heapAfter(async () => {
    const actors = [];
    for (let i = 0; i < n; i++) {
      const actor = createActor(bareMachine, { input: {} as never }).start();
      actor.send({ type: 'start' });
      actors.push(actor);
    }
    await Promise.all(actors.map((a) => reach(a, 'started')));
    return actors;
  });
  console.log(
    JSON.stringify({
      case: 'idle started actors',
      actors: started,
      bytes_per_actor: Math.round(celeriac.bytes / n),
      xstate_bytes_per_actor: Math.round(bare.bytes / n),
      heap_mb: Math.round(celeriac.bytes / 2 ** 20),
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
  await system.close();
}

await overhead();
await memory();
