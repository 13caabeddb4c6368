/** The signal of `revoke(terminate=True, signal=…)` as Celery reads it. */
import { describe, expect, it } from 'vitest';
import { signalOf } from '../../packages/worker/src/pool/remote-unit.js';

describe('signalOf', () => {
  it('reads names with or without SIG, numbers, and falls back to SIGTERM', () => {
    expect(signalOf('SIGKILL')).toBe('SIGKILL');
    expect(signalOf('KILL')).toBe('SIGKILL');
    expect(signalOf('sigusr1')).toBe('SIGUSR1');
    expect(signalOf('9')).toBe('SIGKILL');
    expect(signalOf('SIGNOPE')).toBe('SIGTERM');
    expect(signalOf('12345')).toBe('SIGTERM');
  });
});
