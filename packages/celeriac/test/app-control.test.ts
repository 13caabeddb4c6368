import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createApp, defineTask } from 'celeriac';

const add = defineTask('control_test.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});

describe('app.control', () => {
  it('inspects and commands the app’s workers on the app’s connection', async () => {
    await using app = createApp({ broker: `memory://control-${Date.now()}` });
    app.task(add, (_ctx, a, b) => a + b);
    const worker = await app.worker({
      hostname: 'ctl@test',
      concurrency: 2,
      control: { allowUnsigned: true },
    });
    await worker.start();

    const inspect = app.control.inspect({ timeoutMs: 1000 });
    expect(inspect.options).toEqual({ timeoutMs: 1000 });
    expect(await inspect.ping()).toEqual({ 'ctl@test': { ok: 'pong' } });
    expect(await inspect.registered()).toEqual({ 'ctl@test': ['control_test.add'] });
    expect(await app.control.ping({ timeoutMs: 1000 })).toEqual({ 'ctl@test': { ok: 'pong' } });
    expect(
      await app.control.rateLimit('control_test.add', '10/m', { reply: true, timeoutMs: 1000 }),
    ).toEqual({ 'ctl@test': { ok: 'new rate limit set successfully' } });
    expect(
      await app.control.broadcast('ping', {
        reply: true,
        destination: ['nobody@x'],
        timeoutMs: 200,
      }),
    ).toEqual({});

    await app.control.shutdown();
    expect(await worker.finished).toBe('stopped');
  });
});
