import { afterEach, describe, expect, it } from 'vitest';
import { implementTask, signals } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

const disconnects: (() => void)[] = [];
afterEach(() => {
  for (const disconnect of disconnects.splice(0)) disconnect();
});

/** Record every task and worker signal as `<signal> <task or host> <detail>`. */
function recordAll(): string[] {
  const seen: string[] = [];
  disconnects.push(
    signals.taskPrerun.connect((p) => void seen.push(`prerun ${p.taskName}`)),
    signals.taskPostrun.connect((p) => void seen.push(`postrun ${p.taskName} ${p.state}`)),
    signals.taskSuccess.connect((p) => void seen.push(`success ${p.taskName} ${String(p.result)}`)),
    signals.taskFailure.connect(
      (p) => void seen.push(`failure ${p.taskName} ${(p.exception as Error).name}`),
    ),
    signals.taskRetry.connect((p) => void seen.push(`retry ${p.taskName}`)),
    signals.taskRevoked.connect(
      (p) => void seen.push(`revoked ${p.taskName} expired=${p.expired}`),
    ),
    signals.workerReady.connect((p) => void seen.push(`ready ${p.hostname}`)),
    signals.workerShutdown.connect((p) => void seen.push(`shutdown ${p.hostname} ${p.state}`)),
  );
  return seen;
}

describe('worker signals', () => {
  it('sends Celery’s task and worker signals in order, with typed payloads', async () => {
    await using fx = new Fixture();
    const seen = recordAll();
    const w = fx.worker(
      [
        implementTask('proj.add', (_c, a: number, b: number) => a + b),
        implementTask('proj.fail', () => {
          throw new RangeError('no');
        }),
        implementTask('proj.again', (ctx) => ctx.retry({ countdown: 60 }), { maxRetries: 1 }),
      ],
      { concurrency: 1 },
    );
    await w.start();
    expect(seen).toEqual(['ready w1@test']);
    await fx.result(await fx.send(celeryMessage('proj.add', { args: [2, 3] })), 'SUCCESS');
    await fx.result(await fx.send(celeryMessage('proj.fail')), 'FAILURE');
    await fx.result(await fx.send(celeryMessage('proj.again')), 'RETRY');
    const past = new Date(Date.now() - 60_000).toISOString();
    await fx.result(await fx.send(celeryMessage('proj.add', { expires: past })), 'REVOKED');
    await w.stop();
    await w.finished;
    expect(seen).toEqual([
      'ready w1@test',
      'prerun proj.add',
      'success proj.add 5',
      'postrun proj.add SUCCESS',
      'prerun proj.fail',
      'failure proj.fail RangeError',
      'postrun proj.fail FAILURE',
      'prerun proj.again',
      'retry proj.again',
      'postrun proj.again RETRY',
      'revoked proj.add expired=true',
      'shutdown w1@test stopped',
    ]);
  });

  it('a throwing or rejecting handler is logged and the task still succeeds', async () => {
    await using fx = new Fixture();
    disconnects.push(
      signals.taskPrerun.connect(() => {
        throw new Error('prerun handler broke');
      }),
      signals.taskSuccess.connect(() => Promise.reject(new Error('success handler broke'))),
    );
    const w = fx.worker([implementTask('proj.add', (_c, a: number, b: number) => a + b)]);
    await w.start();
    const meta = await fx.result(await fx.send(celeryMessage('proj.add', { args: [1, 1] })));
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 2 });
    await waitFor(() => fx.logged('error').length >= 2);
    expect(fx.logged('error').map((l) => l.message)).toEqual([
      'Signal handler for task_prerun raised',
      'Signal handler for task_success raised',
    ]);
  });
});
