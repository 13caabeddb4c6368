/**
 * The story, read back from a real SDK's spans: a feed poller under a supervisor
 * for 10 s of simulated time, storage unreachable from 2 s to 4 s (degraded, with a reason),
 * and two crashes on corrupt entries (two restarts). Every assertion reads a "why" from
 * the exported spans alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ActorAttributes, defineActor, defineSupervisor, taskInput } from '@celeriac/actors';
import { harness } from './helpers.js';
import { tracing } from './tracing.js';

class CorruptEntryError extends Error {}

function story() {
  const storage = { reachable: true, items: [] as string[] };
  const feed = { next: 1, corrupt: [] as number[] };
  return { storage, feed };
}

describe('a 10 s story, read from the spans', () => {
  afterEach(() => {
    trace.disable();
  });

  it('tells why: reasons on health, decisions on the supervisor, links between lifetimes, user spans in steps, exported while alive', async () => {
    using t = tracing();
    const { system, clock } = harness({ tracerProvider: t.provider });
    const { storage, feed } = story();
    const poller = defineActor({
      name: 'feed-poller',
      resources: {
        storage: { acquire: () => storage },
        feed: { acquire: () => feed },
      },
      tasks: {
        polling: {
          allowedIn: ['healthy', 'degraded'],
          run: async ({ resources, sleep, next }) => {
            await sleep(500);
            const span = t.userTracer.startSpan('s3.list');
            const entries = [resources.feed.next++];
            span.end();
            return next('processing', entries);
          },
        },
        processing: {
          allowedIn: ['healthy'],
          input: taskInput<number[]>(),
          run: ({ input, resources, next }) => {
            for (const n of input) {
              if (resources.feed.corrupt.includes(n)) {
                throw new CorruptEntryError(`entry ${n} is not JSON`);
              }
              resources.storage.items.push(`entry-${n}`);
            }
            return next('polling');
          },
        },
      },
      initialTask: 'polling',
      healthCheck: {
        intervalMs: 200,
        check: ({ resources }) =>
          resources.storage.reachable
            ? 'healthy'
            : { health: 'degraded', reason: 'storage unreachable (ECONNREFUSED)' },
      },
    });
    const app = system.spawn(
      defineSupervisor({
        name: 'app',
        intensity: { maxRestarts: 3, withinMs: 10_000 },
        backoff: { initialMs: 100, factor: 2, jitter: 0 },
        children: [{ id: 'poller', actor: poller }],
      }),
      { id: 'app' },
    );
    await app.start();
    await clock.advance(2_000);
    storage.reachable = false;
    await clock.advance(2_000);
    storage.reachable = true;
    feed.corrupt.push(feed.next + 1, feed.next + 5);
    await clock.advance(6_000);
    expect(clock.now()).toBe(10_000);

    // --- Exported while everything still runs ---
    const lifetimes = () => t.named('actor feed-poller').sort((a, b) => order(a) - order(b));
    expect(lifetimes()).toHaveLength(2); // the two that crashed; the third lives on
    expect(t.named('actor app')).toEqual([]);
    const liveSteps = t
      .named('actor feed-poller step polling')
      .filter((s) => s.attributes[ActorAttributes.attempt] === 1 && order(s) > 8_000);
    expect(liveSteps.length).toBeGreaterThan(0);

    // Why was it degraded? The health spans say, with the reason the check gave.
    const health = t.named('actor feed-poller health').map((s) => ({
      at: order(s),
      to: s.attributes[ActorAttributes.health],
      from: s.attributes[ActorAttributes.healthPrevious],
      reason: s.attributes[ActorAttributes.healthReason],
    }));
    // (The check at 2,000 ms ran just before storage went away; the next one saw it.)
    expect(health).toEqual([
      { at: 2_200, to: 'degraded', from: 'healthy', reason: 'storage unreachable (ECONNREFUSED)' },
      { at: 4_200, to: 'healthy', from: 'degraded', reason: undefined },
    ]);

    // Why did it stop twice? Each lifetime ends with the crash, recorded once, by class.
    const [first, second] = lifetimes();
    for (const ended of [first!, second!]) {
      const exceptions = ended.events.filter((e) => e.name === 'exception');
      expect(exceptions).toHaveLength(1);
      expect(exceptions[0]!.attributes).toMatchObject({ 'exception.type': 'TaskFailedError' });
      expect(String(exceptions[0]!.attributes?.['exception.message'])).toMatch(
        /Task "processing" of actor \/app\/poller failed: entry \d+ is not JSON/,
      );
    }
    // …and the failing step says what the step itself threw.
    const failedSteps = t
      .named('actor feed-poller step processing')
      .filter((s) => s.attributes[ActorAttributes.outcome] === 'failed');
    expect(failedSteps.map((s) => s.events[0]?.attributes?.['exception.type'])).toEqual([
      'CorruptEntryError',
      'CorruptEntryError',
    ]);

    // What did the supervisor decide, and why? One supervise span per crash.
    const decisions = t.named('actor app supervise').sort((a, b) => order(a) - order(b));
    expect(decisions.map((s) => s.attributes)).toEqual([
      expect.objectContaining({
        [ActorAttributes.child]: '/app/poller',
        [ActorAttributes.exit]: 'crashed',
        [ActorAttributes.exitError]: 'TaskFailedError',
        [ActorAttributes.childKind]: 'permanent',
        [ActorAttributes.strategy]: 'one-for-one',
        [ActorAttributes.decision]: 'restart',
        [ActorAttributes.backoffMs]: 100,
        [ActorAttributes.restartsInWindow]: 1,
        [ActorAttributes.maxRestarts]: 3,
        [ActorAttributes.windowMs]: 10_000,
        [ActorAttributes.affected]: ['poller'],
      }),
      expect.objectContaining({
        [ActorAttributes.backoffMs]: 200,
        [ActorAttributes.restartsInWindow]: 2,
      }),
    ]);
    for (const [decision, crashed] of [
      [decisions[0]!, first!],
      [decisions[1]!, second!],
    ] as const) {
      expect(decision.links.map((l) => l.context.spanId)).toEqual([t.idOf(crashed)]);
      // It lasted through the backoff and the restart.
      expect(decision.duration[1]).toBeGreaterThanOrEqual(
        Number(decision.attributes[ActorAttributes.backoffMs]) * 1e6,
      );
    }

    // A user span made inside a step is a child of that step, inside the actor's lifetime.
    const list = t.named('s3.list')[0]!;
    const step = t.spans().find((s) => t.idOf(s) === t.parentOf(list))!;
    expect(step.name).toBe('actor feed-poller step polling');
    expect(t.parentOf(step)).toBe(t.idOf(first!));

    // --- After the stop, the rest: the lifetime that lived on links to the one before ---
    await app.stop();
    const [, , third] = lifetimes();
    expect(third!.attributes[ActorAttributes.state]).toBe('stopped');
    expect(
      second!.links.map((l) => [l.context.spanId, l.attributes?.[ActorAttributes.link]]),
    ).toEqual([
      [t.idOf(first!), 'previous_lifetime'],
      [t.idOf(decisions[0]!), 'decision'],
    ]);
    expect(third!.links.map((l) => l.context.spanId)).toEqual([
      t.idOf(second!),
      t.idOf(decisions[1]!),
    ]);
    const appLifetime = t.one('actor app');
    for (const s of [first!, second!, third!, ...decisions]) {
      expect(t.parentOf(s)).toBe(t.idOf(appLifetime));
    }
    expect(storage.items.length).toBeGreaterThan(5);
  });
});

/** A span's start on the simulated clock, in ms. */
function order(span: ReadableSpan): number {
  return span.startTime[0] * 1_000 + span.startTime[1] / 1e6;
}
