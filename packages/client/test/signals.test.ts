import { describe, expect, it } from 'vitest';
import { ConnectionLostError, decodeTaskMessage } from '@celeriac/protocol';
import {
  afterTaskPublish,
  beforeTaskPublish,
  group,
  Signal,
  type AfterTaskPublishPayload,
  type BeforeTaskPublishPayload,
  type SignalLogger,
} from '@celeriac/client';
import { signature } from '@celeriac/protocol';
import { FlakyTransport, Fixture } from './support.js';

/** A logger that keeps what it was given. */
function recordingLogger(): SignalLogger & { lines: [string, Record<string, unknown>][] } {
  const lines: [string, Record<string, unknown>][] = [];
  return { lines, error: (message, fields) => lines.push([message, fields ?? {}]) };
}

describe('Signal', () => {
  it('awaits handlers in connection order; disconnect removes one; the same function connects once', async () => {
    const signal = new Signal<{ n: number }>('test_signal');
    const seen: string[] = [];
    const slow = async ({ n }: { n: number }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push(`slow ${n}`);
    };
    const fast = ({ n }: { n: number }) => void seen.push(`fast ${n}`);
    signal.connect(slow);
    const offFast = signal.connect(fast);
    signal.connect(fast);
    expect(signal.receivers).toBe(2);
    await expect(signal.send({ n: 1 })).resolves.toBe(0);
    expect(seen).toEqual(['slow 1', 'fast 1']);
    offFast();
    await signal.send({ n: 2 });
    expect(seen).toEqual(['slow 1', 'fast 1', 'slow 2']);
    expect(signal.receivers).toBe(1);
  });

  it('logs a throwing or rejecting handler and runs the next; send never rejects', async () => {
    const logger = recordingLogger();
    const signal = new Signal<string>('fragile', { logger });
    const ran: string[] = [];
    signal.connect(function explodes() {
      throw new TypeError('bad handler');
    });
    signal.connect(async () => Promise.reject(new Error('async bad')));
    signal.connect((value) => void ran.push(value));
    await expect(signal.send('payload')).resolves.toBe(2);
    expect(ran).toEqual(['payload']);
    expect(logger.lines.map(([message]) => message)).toEqual([
      'Signal handler for fragile raised',
      'Signal handler for fragile raised',
    ]);
    expect(logger.lines[0]![1]).toMatchObject({
      signal: 'fragile',
      handler: 'explodes',
      error: 'TypeError: bad handler',
    });
    expect(logger.lines[1]![1]).toMatchObject({ error: 'Error: async bad' });
    // The sender's logger wins over the signal's own.
    const other = recordingLogger();
    await signal.send('again', { logger: other });
    expect(other.lines).toHaveLength(2);
    expect(logger.lines).toHaveLength(2);
  });
});

describe('beforeTaskPublish / afterTaskPublish', () => {
  it('before may change the message; after gets what the broker holds, once per message', async () => {
    await using fx = new Fixture();
    const before: BeforeTaskPublishPayload[] = [];
    const after: AfterTaskPublishPayload[] = [];
    const offBefore = beforeTaskPublish.connect(async (payload) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      payload.message.headers.extraHeaders = {
        ...payload.message.headers.extraHeaders,
        tenant: 'acme',
      };
      before.push(payload);
    });
    const offAfter = afterTaskPublish.connect((payload) => void after.push(payload));
    try {
      const result = await fx.client.sendTask('proj.add', [1, 2], {}, { queue: 'math' });
      expect(before).toHaveLength(1);
      expect(before[0]).toMatchObject({
        taskName: 'proj.add',
        taskId: result.id,
        route: { exchange: '', routingKey: 'math' },
        queue: 'math',
      });
      expect(after).toHaveLength(1);
      expect(after[0]!.taskId).toBe(result.id);
      expect(after[0]!.message.headers['tenant']).toBe('acme');
      const { task } = await fx.takeTask('math');
      expect(task.headers.extraHeaders['tenant']).toBe('acme');

      // A group is one signal pair per member.
      await fx.client.send(group(signature({ task: 'a' }), signature({ task: 'b' })));
      expect(
        before
          .map((p) => p.taskName)
          .slice(1)
          .sort(),
      ).toEqual(['a', 'b']);
      expect(after).toHaveLength(3);
    } finally {
      offBefore();
      offAfter();
    }
  });

  it('a throwing handler is logged through the client’s logger and the task is still published', async () => {
    const logger = recordingLogger();
    await using fx = new Fixture({ logger });
    const offBefore = beforeTaskPublish.connect(() => {
      throw new Error('before broke');
    });
    const offAfter = afterTaskPublish.connect(async () => Promise.reject(new Error('after broke')));
    try {
      const result = await fx.client.sendTask('proj.safe', [], {}, { queue: 'q' });
      const { task } = await fx.takeTask('q');
      expect(task.headers.id).toBe(result.id);
      expect(logger.lines.map(([, f]) => [f['signal'], f['error']])).toEqual([
        ['before_task_publish', 'Error: before broke'],
        ['after_task_publish', 'Error: after broke'],
      ]);
    } finally {
      offBefore();
      offAfter();
    }
  });

  it('before runs once whatever the publish retries; after is not sent for a failed publish', async () => {
    await using fx = new Fixture();
    const flaky = new FlakyTransport(fx.transport);
    const client = fx.makeClient({
      transport: flaky,
      publishRetry: { maxRetries: 2, intervalStep: 0 },
    });
    let before = 0;
    let after = 0;
    const offBefore = beforeTaskPublish.connect(() => void (before += 1));
    const offAfter = afterTaskPublish.connect(() => void (after += 1));
    try {
      flaky.failNext(1, () => new ConnectionLostError('blip'));
      await client.sendTask('proj.retried');
      expect([before, after, flaky.attempts]).toEqual([1, 1, 2]);
      flaky.failNext(3, () => new ConnectionLostError('gone'));
      await expect(client.sendTask('proj.lost')).rejects.toBeInstanceOf(ConnectionLostError);
      expect([before, after]).toEqual([2, 1]);
      const published = flaky.published.map((p) => decodeTaskMessage(p.message).headers.task);
      expect(published).toEqual(['proj.retried']);
    } finally {
      offBefore();
      offAfter();
      await client.close();
    }
  });
});
