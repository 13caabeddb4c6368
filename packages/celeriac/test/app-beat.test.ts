import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { asSupervisor } from '@celeriac/actors';
import { createApp, createBeatCoordination, crontab, defineTask, every } from 'celeriac';

const tick = defineTask('app_beat.tick', { args: z.tuple([z.string()]), result: z.string() });

describe('app.beat', () => {
  it('runs the app’s beatSchedule on the app’s broker and stops with the app', async () => {
    const broker = `memory://app-beat-${Date.now()}`;
    const app = createApp({
      broker,
      timezone: 'Europe/Paris',
      beatSchedule: {
        fast: { task: 'app_beat.tick', schedule: every(0.2), args: ['fast'] },
        morning: { task: 'app_beat.tick', schedule: crontab({ hour: 7, minute: 30 }), args: ['m'] },
      },
    });
    const seen: { entry: string; at: string }[] = [];
    app.task(tick, (ctx, word) => {
      seen.push({
        entry: String(ctx.headers['periodic_task_name']),
        at: String(ctx.headers['periodic_task_scheduled_at']),
      });
      return word;
    });
    const worker = await app.worker({ hostname: 'beat@app', logger: quiet });
    await worker.start();
    const beat = await app.beat({ namespace: 'app-test', logger: quiet, leaseMs: 3_000 });
    expect(beat.namespace).toBe('app-test');
    await beat.start();
    await until(() => seen.length >= 3);
    expect(beat.role).toBe('leader');
    expect(new Set(seen.map((s) => s.entry))).toEqual(new Set(['fast']));
    expect(new Set(seen.map((s) => s.at)).size).toBe(seen.length);

    // The crontab is in the app's timezone: 07:30 in Paris is 05:30 or 06:30 UTC.
    const morning = (await beat.entries()).find((e) => e.name === 'morning')!;
    expect(morning.nextRunAt?.toISOString()).toMatch(/T0[56]:30:00\.000Z$/);

    expect((await beat.leader())?.holder).toBe(beat.holder);
    await app.close();
    expect(beat.role).toBeUndefined();
    await expect(app.beat()).rejects.toThrow(/closed/);
  });

  it('runs as a child of a worker’s supervisor (what worker -B does)', async () => {
    const app = createApp({
      broker: `memory://app-beat-child-${Date.now()}`,
      beatSchedule: { fast: { task: 'app_beat.tick', schedule: 0.2, args: ['x'] } },
    });
    let runs = 0;
    app.task(tick, (_ctx, word) => (runs++, word));
    const worker = await app.worker({ hostname: 'child@app', logger: quiet });
    await worker.start();
    const beat = await app.beat({ logger: quiet });
    await asSupervisor(worker.tree.root).addChild({ id: 'beat', actor: beat.definition });
    await until(() => runs >= 2);
    expect(worker.tree.root.system.get('/child@app/beat')?.activity).toMatch(/^leading/);
    // Stopping the worker stops the beat first: its lease is released.
    await worker.stop();
    expect(await (await createBeatCoordination(app.brokerUrl)).leader()).toBeUndefined();
    await app.close();
  });

  it('chooses the coordination from the broker URL', async () => {
    const memory = await createBeatCoordination('memory://x', { namespace: 'n1' });
    expect([memory.kind, memory.namespace]).toEqual(['memory', 'n1']);
    await memory.close();
    await expect(createBeatCoordination('kafka://x')).rejects.toThrow(
      /Broker URL "kafka:\/\/x" is not supported/,
    );
  });
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
