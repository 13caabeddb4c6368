import { WaitForTimeoutError, sleep, uniqueName, waitFor } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined))).resolves.toBe(
      'after 3',
    );
  });

  it('times out with the description and the last error as cause', async () => {
    const started = performance.now();
    const error = await waitFor(
      () => {
        throw new Error('not yet');
      },
      { timeoutMs: 50, description: 'the impossible' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitForTimeoutError);
    expect(error).toMatchObject({
      code: 'ERR_WAIT_FOR_TIMEOUT',
      message: 'Timed out after 50 ms waiting for the impossible',
      cause: { message: 'not yet' },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('accepts a bare timeout and async predicates', async () => {
    await expect(waitFor(async () => sleep(1).then(() => 0), 30)).rejects.toBeInstanceOf(
      WaitForTimeoutError,
    );
  });
});

describe('uniqueName', () => {
  it('prefixes a random suffix', () => {
    const a = uniqueName('orders');
    expect(a).toMatch(/^orders-[0-9a-f]{12}$/);
    expect(uniqueName('orders')).not.toBe(a);
  });
});
