import { afterEach, describe, expect, it } from 'vitest';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { ActorAttributes, defineActor, defineSupervisor } from '@celeriac/actors';
import { harness } from './helpers.js';
import { tracing, transitionsOf } from './tracing.js';

class StorageDown extends Error {}

describe('telemetry', () => {
  afterEach(() => {
    trace.disable();
  });

  it('a lifetime span with an event per lifecycle change, and a phase span per start and stop, exported as each ends', async () => {
    using t = tracing();
    const { system } = harness({ tracerProvider: t.provider });
    const actor = system.spawn(defineActor({ name: 'plain' }), { id: 'a' });
    await actor.start();
    // The start is in the trace while the actor lives.
    const start = t.one('actor plain start');
    expect(start.attributes).toMatchObject({
      [ActorAttributes.path]: '/a',
      [ActorAttributes.phase]: 'start',
      [ActorAttributes.phaseOutcome]: 'started',
    });
    actor.reportHealth('degraded', 'disk 91% full');
    await actor.stop();
    const lifetime = t.one('actor plain');
    expect(t.parentOf(start)).toBe(t.idOf(lifetime));
    expect(t.parentOf(t.one('actor plain stop'))).toBe(t.idOf(lifetime));
    expect(lifetime.attributes).toMatchObject({
      [ActorAttributes.id]: 'a',
      [ActorAttributes.path]: '/a',
      [ActorAttributes.state]: 'stopped',
      [ActorAttributes.restarts]: 0,
    });
    expect(transitionsOf(lifetime)).toEqual([
      'initializing→starting.dependencies',
      'starting.dependencies→starting.resources',
      'starting.resources→starting.tasks',
      'starting.tasks→started.running.healthy',
      'started.running.healthy→started.running.degraded',
      'started.running.degraded→stopping.tasks',
      'stopping.tasks→stopping.resources',
      'stopping.resources→stopping.dependencies',
      'stopping.dependencies→stopped',
    ]);
    const degraded = lifetime.events.find(
      (e) => e.attributes?.[ActorAttributes.to] === 'started.running.degraded',
    );
    expect(degraded?.attributes).toMatchObject({
      [ActorAttributes.health]: 'degraded',
      [ActorAttributes.healthReason]: 'disk 91% full',
    });
    expect(t.one('actor plain health').attributes).toMatchObject({
      [ActorAttributes.health]: 'degraded',
      [ActorAttributes.healthPrevious]: 'healthy',
      [ActorAttributes.healthReason]: 'disk 91% full',
    });
    expect(lifetime.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('no events for activity moves: 200 steps leave the lifetime with its lifecycle events only', async () => {
    using t = tracing();
    const { system } = harness({ tracerProvider: t.provider });
    const a = system.spawn(
      defineActor({ name: 'executor', tasks: { work: { run: ({ input }) => input } } }),
      { id: 'e' },
    );
    await a.start();
    for (let i = 0; i < 200; i++) await a.run('work', i);
    // Each step is in the trace while the actor lives.
    expect(t.named('actor executor step work')).toHaveLength(200);
    await a.stop();
    const lifetime = t.one('actor executor');
    expect(lifetime.events).toHaveLength(8);
    expect(lifetime.droppedEventsCount).toBe(0);
  });

  it('acquiring, a step and a health check run in the actor’s span: user spans nest under it', async () => {
    using t = tracing();
    const { system, clock } = harness({ tracerProvider: t.provider });
    const user = (name: string) => t.userTracer.startSpan(name).end();
    const a = system.spawn(
      defineActor({
        name: 'poller',
        resources: {
          db: {
            acquire: async () => {
              await Promise.resolve();
              user('db.connect');
              return {};
            },
          },
        },
        tasks: {
          polling: {
            run: async ({ sleep }) => {
              await sleep(10);
              user('s3.list');
              return 'done';
            },
          },
        },
        healthCheck: {
          intervalMs: 100,
          check: async () => {
            await Promise.resolve();
            user('db.ping');
            return 'healthy' as const;
          },
        },
      }),
      { id: 'p' },
    );
    await a.start();
    const running = a.run('polling');
    await clock.advance(100);
    await running;
    await a.stop();
    const lifetime = t.one('actor poller');
    expect(t.parentOf(t.one('db.connect'))).toBe(t.idOf(t.one('actor poller start')));
    const step = t.one('actor poller step polling');
    expect(t.parentOf(step)).toBe(t.idOf(lifetime));
    expect(t.parentOf(t.one('s3.list'))).toBe(t.idOf(step));
    expect(step.attributes).toMatchObject({
      [ActorAttributes.task]: 'polling',
      [ActorAttributes.attempt]: 1,
      [ActorAttributes.outcome]: 'idle',
    });
    expect(t.parentOf(t.one('db.ping'))).toBe(t.idOf(lifetime));
    for (const s of t.spans()) expect(s.spanContext().traceId).toBe(lifetime.spanContext().traceId);
  });

  it('an exception is recorded once, where it happened, with its class name as exception.type', async () => {
    using t = tracing();
    const { system, clock } = harness({ tracerProvider: t.provider });
    const a = system.spawn(
      defineActor({
        name: 'flaky',
        tasks: {
          work: {
            run: () => {
              throw new StorageDown('bucket gone');
            },
          },
        },
      }),
      { id: 'f' },
    );
    await a.start();
    await a.run('work').catch(() => undefined);
    await clock.advance(0); // the crash's release, then the lifetime ends
    const exceptions = t
      .spans()
      .flatMap((s) =>
        s.events
          .filter((e) => e.name === 'exception')
          .map((e) => ({ span: s.name, ...e.attributes })),
      );
    expect(exceptions).toEqual([
      expect.objectContaining({
        span: 'actor flaky step work',
        'exception.type': 'StorageDown',
        'exception.message': 'bucket gone',
      }),
      expect.objectContaining({
        span: 'actor flaky',
        'exception.type': 'TaskFailedError',
        [ActorAttributes.errorCode]: 'ERR_TASK_FAILED',
        'exception.message': 'Task "work" of actor /f failed: bucket gone',
      }),
    ]);
    expect(t.one('actor flaky').status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(t.one('actor flaky step work').attributes[ActorAttributes.outcome]).toBe('failed');
  });

  it('a restart out of crashed opens a lifetime linked to the crashed one; restart() while started keeps it', async () => {
    using t = tracing();
    const { system } = harness({ tracerProvider: t.provider });
    let fail = true;
    const a = system.spawn(
      defineActor({
        name: 'flaky',
        resources: {
          r: {
            acquire: () => {
              if (fail) throw new Error('down');
              return 1;
            },
          },
        },
      }),
      { id: 'f' },
    );
    await a.start().catch(() => undefined);
    const [crashed] = t.named('actor flaky');
    expect(crashed!.attributes[ActorAttributes.state]).toBe('crashed');
    expect(t.one('actor flaky start').status.code).toBe(SpanStatusCode.ERROR);
    fail = false;
    await a.restart();
    await a.restart();
    await a.stop();
    const [, second] = t.named('actor flaky');
    expect(t.named('actor flaky')).toHaveLength(2);
    expect(second!.links).toEqual([
      expect.objectContaining({
        context: crashed!.spanContext(),
        attributes: { [ActorAttributes.link]: 'previous_lifetime' },
      }),
    ]);
    expect(second!.attributes[ActorAttributes.restarts]).toBe(2);
    expect(t.named('actor flaky restart')).toHaveLength(2);
    expect(transitionsOf(second!)).toContain('started.running.healthy→restarting.stopping.tasks');
  });

  it('a stop that abandons a step says so on the stop span; the step span ends as abandoned', async () => {
    using t = tracing();
    const { system, clock } = harness({ tracerProvider: t.provider });
    const a = system.spawn(
      defineActor({
        name: 'stuck',
        tasks: { work: { run: () => new Promise(() => {}) } },
        initialTask: 'work',
      }),
      { id: 's' },
    );
    await a.start();
    const stopped = a.stop({ timeoutMs: 250 });
    await clock.advance(250);
    await stopped;
    const stop = t.one('actor stuck stop');
    expect(stop.attributes).toMatchObject({
      [ActorAttributes.phaseOutcome]: 'stopped',
      [ActorAttributes.abandonedTask]: 'work',
    });
    expect(stop.events.map((e) => e.attributes?.['exception.type'])).toEqual([
      'StepAbandonedError',
    ]);
    expect(t.one('actor stuck step work').attributes[ActorAttributes.outcome]).toBe('abandoned');
    // Span times come from the injected clock.
    expect(stop.duration).toEqual([0, 250_000_000]);
  });

  it("nests supervised children's lifetimes under the supervisor's, and traces steps unless told not to", async () => {
    using t = tracing();
    const { system } = harness({ tracerProvider: t.provider });
    const executor = defineActor({
      name: 'executor',
      traceSteps: false,
      tasks: { work: { run: () => 1 } },
    });
    const sup = system.spawn(
      defineSupervisor({
        name: 'pool',
        children: [
          { id: 'e1', actor: executor },
          { id: 'e2', actor: executor },
        ],
      }),
      { id: 'pool' },
    );
    await sup.start();
    await sup.resources.e1.run('work');
    await sup.stop();
    const parent = t.one('actor pool');
    const children = t.named('actor executor');
    expect(children.map((s) => s.attributes[ActorAttributes.path]).sort()).toEqual([
      '/pool/e1',
      '/pool/e2',
    ]);
    for (const child of children) expect(t.parentOf(child)).toBe(t.idOf(parent));
    expect(t.named('actor executor step work')).toEqual([]);
    expect(t.spans().filter((s) => s.name.startsWith('actor pool step'))).toEqual([]);
  });

  it('uses the globally registered provider by default', async () => {
    using t = tracing();
    trace.setGlobalTracerProvider(t.provider);
    const { system } = harness();
    const actor = system.spawn(defineActor({ name: 'global' }), { id: 'g' });
    await actor.start();
    await actor.stop();
    expect(
      t
        .spans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['actor global', 'actor global start', 'actor global stop']);
  });

  it('warns once when the provider was registered through a copy of @opentelemetry/api it cannot read', async () => {
    const key = Symbol.for('opentelemetry.js.api.1');
    const globals = globalThis as unknown as Record<symbol, unknown>;
    const saved = globals[key];
    const warnings: { message: string; code: unknown }[] = [];
    const emitWarning = process.emitWarning;
    process.emitWarning = ((message: string, options: { code?: unknown }) =>
      void warnings.push({ message, code: options.code })) as typeof process.emitWarning;
    try {
      // What an SDK registered through @opentelemetry/api 1.9 leaves behind.
      globals[key] = { version: '1.9.0', trace: { getTracer: () => undefined } };
      const { system } = harness();
      for (const id of ['a', 'b']) {
        const actor = system.spawn(defineActor({ name: 'x' }), { id });
        await actor.start();
        await actor.stop();
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.code).toBe('CELERIAC_OTEL_API_MISMATCH');
      expect(warnings[0]!.message).toMatch(
        /registered through @opentelemetry\/api 1\.9\.0, which the copy @celeriac\/actors loaded cannot use/,
      );
    } finally {
      process.emitWarning = emitWarning;
      if (saved === undefined) delete globals[key];
      else globals[key] = saved;
    }
  });
});
