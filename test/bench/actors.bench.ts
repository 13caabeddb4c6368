/**
 * Actor overhead (DESIGN.md "Targets"): create + start + stop of a celeriac actor against a
 * bare XState actor of the same lifecycle machine, the cost of one task step (no SDK, and
 * with a real OpenTelemetry SDK recording every span), and the memory of 100,000 idle
 * started actors. Prints one JSON line per case, with the load average (the machine is
 * shared: compare the ratios of one run, not absolute numbers across runs).
 *
 *   npm run bench:actors
 *
 * The bare XState case runs the very statechart a celeriac actor runs (`definition.machine`),
 * with its phases provided as no-op promise actors, driven the way an XState user would:
 * createActor, start, send start, wait for `started`, send stop, wait for `stopped`.
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { createActor, fromPromise } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { createActorSystem, defineActor } from '@celeriac/actors';
import type { ActorSystemOptions } from '@celeriac/actors';

const load = (): number[] => os.loadavg().map((l) => +l.toFixed(2));

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
      loadavg: load(),
    }),
  );
  await system.close();
}

/** Counts what the SDK hands it and drops it: the SDK's full cost, no I/O. */
class DiscardExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * One task step: `await actor.run('work')` of a step returning at once, as a worker's
 * executor is used. Without an SDK; with a real SDK (tracer provider, simple span
 * processor, async-hooks context manager) recording each step's span; and with the SDK
 * but the definition's `traceSteps: false` (a worker's executors, whose CONSUMER span is
 * the step's span).
 */
async function steps(): Promise<void> {
  const n = 200_000;
  const work = { work: { run: () => 1 } };
  const traced = defineActor({ name: 'executor', tasks: work });
  const untracedSteps = defineActor({ name: 'executor', tasks: work, traceSteps: false });
  const exporter = new DiscardExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const measure = async (
    definition: typeof traced,
    options: ActorSystemOptions,
  ): Promise<number> => {
    const system = createActorSystem(options);
    const actor = system.spawn(definition);
    await actor.start();
    for (let i = 0; i < 20_000; i++) await actor.run('work');
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await actor.run('work');
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await system.close();
    return (seconds / n) * 1e6;
  };
  const bare = await measure(traced, {});
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const before = exporter.exported;
  const withSpans = await measure(traced, { tracerProvider });
  const spansPerStep = (exporter.exported - before) / (n + 20_000);
  const stepsOff = await measure(untracedSteps, { tracerProvider });
  context.disable();
  console.log(
    JSON.stringify({
      case: 'task step',
      steps: n,
      us_per_step_no_sdk: +bare.toFixed(3),
      us_per_step_traced: +withSpans.toFixed(3),
      us_per_step_traced_steps_off: +stepsOff.toFixed(3),
      spans_per_traced_step: +spansPerStep.toFixed(3),
      tracing_cost_us_per_step: +(withSpans - bare).toFixed(3),
      loadavg: load(),
    }),
  );
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
      loadavg: load(),
    }),
  );
  await system.close();
}

await overhead();
await steps();
await memory();
