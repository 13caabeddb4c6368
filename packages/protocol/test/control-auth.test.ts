import { describe, expect, it } from 'vitest';
import {
  CHANGING_CONTROL_COMMANDS,
  CONTROL_SIGNATURE_HEADER,
  ControlAuthorizationError,
  READ_ONLY_CONTROL_COMMANDS,
  SecurityConfigError,
  controlCommandKind,
  createControlAuthorizer,
  decodeControlRequest,
  encodeControlRequest,
  signControlRequest,
  verifyControlRequest,
  type BrokerMessage,
  type ControlRequest,
  type ControlVerdict,
} from '@celeriac/protocol';

const KEY = 'k'.repeat(32);
const T0 = Date.UTC(2026, 0, 1);

function request(method: string, extra: Partial<ControlRequest> = {}): ControlRequest {
  return {
    method,
    arguments: {},
    destination: ['w1@host'],
    pattern: null,
    matcher: null,
    ticket: 't-1',
    replyTo: {
      exchange: 'reply.celery.pidbox',
      routingKey: '292e42e8-6ac4-3da7-8ce2-87e858b1e53c',
    },
    ...extra,
  };
}

function message(method: string, key?: string, now = T0): BrokerMessage {
  return encodeControlRequest(request(method), { clock: 1, now, ...(key ? { key } : {}) });
}

function refused(verdict: ControlVerdict): ControlAuthorizationError {
  if (verdict.allowed) throw new Error('expected a refusal');
  return verdict.error;
}

function verifyError(fn: () => unknown): ControlAuthorizationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ControlAuthorizationError) return error;
    throw error;
  }
  throw new Error('expected a ControlAuthorizationError');
}

describe('signControlRequest / verifyControlRequest', () => {
  it('adds one header over the unchanged body, which decodes as before', () => {
    const plain = message('shutdown');
    const signed = signControlRequest(plain, KEY, { now: T0, nonce: 'nonce-0123456789abcdef' });
    expect(signed.body).toBe(plain.body);
    expect(Object.keys(signed.headers)).toEqual(['clock', 'expires', CONTROL_SIGNATURE_HEADER]);
    expect(signed.headers[CONTROL_SIGNATURE_HEADER]).toMatch(
      /^t=1767225600000,n=nonce-0123456789abcdef,v1=[0-9a-f]{64}$/,
    );
    expect(decodeControlRequest(signed)).toEqual(decodeControlRequest(plain));
    expect(verifyControlRequest(signed, KEY, { now: T0 + 1000 })).toEqual({
      timestamp: T0,
      nonce: 'nonce-0123456789abcdef',
    });
    expect(message('shutdown', KEY).headers[CONTROL_SIGNATURE_HEADER]).toMatch(/^t=1767225600000,/);
  });

  it('refuses unsigned, malformed, tampered, other-key and stale requests, saying which', () => {
    const signed = message('shutdown', KEY);
    const cases: [BrokerMessage, string, RegExp][] = [
      [message('shutdown'), 'unsigned', /no signature header/],
      [
        { ...signed, headers: { ...signed.headers, [CONTROL_SIGNATURE_HEADER]: 'v1=abc' } },
        'malformed',
        /is not t=…,n=…,v1=…/,
      ],
      [
        {
          ...signed,
          body: new TextEncoder().encode(
            new TextDecoder().decode(signed.body).replace('w1@host', 'w2@host'),
          ),
        },
        'bad-signature',
        /does not match/,
      ],
      [message('shutdown', 'x'.repeat(32)), 'bad-signature', /does not match/],
    ];
    for (const [m, reason, detail] of cases) {
      const error = verifyError(() => verifyControlRequest(m, KEY, { now: T0 }));
      expect(error.reason).toBe(reason);
      expect(error.code).toBe('ERR_CONTROL_UNAUTHORIZED');
      expect(error.message).toMatch(detail);
    }
    const late = verifyError(() => verifyControlRequest(signed, KEY, { now: T0 + 31_000 }));
    expect(late.reason).toBe('outside-window');
    expect(late.message).toBe(
      'refused control request: outside-window (signed 31.0 s ago, outside the 30 s window ' +
        '(a replay, or clocks out of sync))',
    );
    const early = verifyError(() => verifyControlRequest(signed, KEY, { now: T0 - 45_000 }));
    expect(early.message).toMatch(/signed 45.0 s in the future/);
    expect(
      verifyControlRequest(signed, KEY, { now: T0 + 31_000, windowMs: 60_000 }).timestamp,
    ).toBe(T0);
  });

  it('refuses a control key shorter than 16 bytes', () => {
    expect(() => signControlRequest(message('ping'), 'short')).toThrow(SecurityConfigError);
    expect(() => createControlAuthorizer({ key: new Uint8Array(15) })).toThrow(
      'the control key is 15 bytes; at least 16 are needed (generate one with `openssl rand -hex 32`)',
    );
  });
});

describe('createControlAuthorizer', () => {
  it('answers read-only commands unsigned, with or without a key', () => {
    for (const gate of [
      createControlAuthorizer(),
      createControlAuthorizer({ key: KEY, now: () => T0 }),
    ]) {
      for (const method of ['ping', 'stats', 'active', 'registered', 'actor_tree']) {
        expect(gate.authorize(message(method), request(method))).toEqual({
          allowed: true,
          signed: false,
        });
      }
    }
  });

  it('without a key refuses changing commands, naming command, sender and the way out', () => {
    const gate = createControlAuthorizer();
    const error = refused(gate.authorize(message('shutdown'), request('shutdown')));
    expect(error.reason).toBe('no-key');
    expect(error.message).toBe(
      'refused control command "shutdown" from caller 292e42e8-6ac4-3da7-8ce2-87e858b1e53c: ' +
        'no-key (this worker has no control key (CELERIAC_CONTROL_KEY or --control-key-file), so ' +
        'it runs no changing command; --allow-unsigned-control runs unsigned ones)',
    );
    const { replyTo: _replyTo, ticket: _ticket, ...noReply } = request('revoke');
    expect(refused(gate.authorize(message('revoke'), noReply)).message).toMatch(
      /^refused control command "revoke" from a caller that asked for no reply: no-key/,
    );
  });

  it('with a key runs a signed changing command once, and refuses its replay', () => {
    let now = T0;
    const gate = createControlAuthorizer({ key: KEY, now: () => now });
    const signed = message('rate_limit', KEY);
    expect(gate.authorize(signed, request('rate_limit'))).toEqual({ allowed: true, signed: true });
    now += 5000;
    const again = refused(gate.authorize(signed, request('rate_limit')));
    expect(again.reason).toBe('replayed');
    expect(again.message).toMatch(/nonce .* was already used/);
    now += 30_000;
    expect(refused(gate.authorize(signed, request('rate_limit'))).reason).toBe('outside-window');
    expect(refused(gate.authorize(message('shutdown'), request('shutdown'))).message).toMatch(
      /: unsigned \(no signature header; sign it with the control key/,
    );
    expect(gate.requiresSignature).toBe(true);
  });

  it('takes a stream of signed commands, each once, across the window', () => {
    let now = T0;
    const gate = createControlAuthorizer({ key: KEY, now: () => now, windowMs: 1000 });
    const sent: BrokerMessage[] = [];
    for (let i = 0; i < 50; i += 1) {
      const m = message('revoke', KEY, now);
      sent.push(m);
      expect(gate.authorize(m, request('revoke')).allowed).toBe(true);
      const replay = gate.authorize(sent[Math.max(0, i - 5)]!, request('revoke'));
      expect(refused(replay).reason).toBe('replayed');
      now += 100;
    }
    expect(refused(gate.authorize(sent[0]!, request('revoke'))).reason).toBe('outside-window');
  });

  it('--allow-unsigned-control runs unsigned commands but still checks a signature that is there', () => {
    const open = createControlAuthorizer({ allowUnsigned: true });
    expect(open.authorize(message('shutdown'), request('shutdown'))).toEqual({
      allowed: true,
      signed: false,
    });
    expect(open.requiresSignature).toBe(false);
    const keyed = createControlAuthorizer({ key: KEY, allowUnsigned: true, now: () => T0 });
    expect(keyed.authorize(message('shutdown'), request('shutdown')).allowed).toBe(true);
    expect(keyed.authorize(message('shutdown', KEY), request('shutdown'))).toEqual({
      allowed: true,
      signed: true,
    });
    const forged = message('shutdown', 'f'.repeat(32));
    expect(refused(keyed.authorize(forged, request('shutdown'))).reason).toBe('bad-signature');
  });
});

describe('which commands change a worker', () => {
  it('lists the changing commands of issue 17 and treats unknown ones as changing', () => {
    for (const method of [
      'shutdown',
      'revoke',
      'rate_limit',
      'time_limit',
      'pool_grow',
      'pool_shrink',
      'pool_restart',
      'autoscale',
      'add_consumer',
      'cancel_consumer',
      'enable_events',
      'disable_events',
      'hello',
      'some_future_command',
    ]) {
      expect(controlCommandKind(method)).toBe('changing');
    }
    for (const method of CHANGING_CONTROL_COMMANDS)
      expect(READ_ONLY_CONTROL_COMMANDS.has(method)).toBe(false);
    for (const method of [
      'ping',
      'stats',
      'active',
      'reserved',
      'scheduled',
      'revoked',
      'query_task',
      'active_queues',
      'conf',
      'report',
      'clock',
      'heartbeat',
    ]) {
      expect(controlCommandKind(method)).toBe('read-only');
    }
  });
});
