/**
 * Telling a refusal from a fault: the broker's reply codes decide, never digits that
 * happen to sit in an address (the CI once drew port 40404 for a closed port, and a
 * refused connection read as "queue not found").
 */
import { describe, expect, it } from 'vitest';
import { isFatal, isNotFound } from '../src/connection-errors.js';

function withCode(message: string, code: number | string): Error {
  return Object.assign(new Error(message), { code });
}

describe('connection errors', () => {
  it('does not read a port as a reply code', () => {
    for (const port of [40404, 45303, 40312, 15300]) {
      const refused = withCode(`connect ECONNREFUSED 127.0.0.1:${port}`, 'ECONNREFUSED');
      const wrapped = new Error(`checking queue on amqp://127.0.0.1:${port}// failed`, {
        cause: refused,
      });
      expect(isFatal(refused)).toBe(false);
      expect(isNotFound(refused)).toBe(false);
      expect(isNotFound(wrapped)).toBe(false);
    }
  });

  it('knows 404 from a passive declare, directly or as the cause', () => {
    const channelError = withCode('Channel closed by server: 404 (NOT-FOUND)', 404);
    expect(isNotFound(channelError)).toBe(true);
    expect(isNotFound(new Error('checking queue failed', { cause: channelError }))).toBe(true);
  });

  it('gives up on bad credentials and unknown vhosts', () => {
    expect(isFatal(new Error('Handshake terminated by server: 403 (ACCESS-REFUSED)'))).toBe(true);
    expect(isFatal(withCode('Connection closed: 530 (NOT-ALLOWED)', 530))).toBe(true);
    expect(isFatal(new Error('Socket closed abruptly during opening handshake'))).toBe(false);
  });
});
