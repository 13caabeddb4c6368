/**
 * Issue 17, client side, on the memory broker: the control key signs every changing
 * command (and only those, unless asked), as a worker's authorizer checks them; the
 * `security` option signs every task body with Celery's `auth` serializer, and
 * `verifyTaskMessage` accepts it, and refuses a tampered body, an untrusted signer and an
 * expired certificate with one line each. Python's side of the same bytes is in
 * test/interop/security.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTROL_SIGNATURE_HEADER,
  ControlRefusal,
  SecurityConfigError,
  SignatureRefusal,
  createControlAuthorizer,
  createMessageSecurity,
  decodeControlRequest,
  verifyTaskMessage,
  type BrokerMessage,
} from '@celeriac/protocol';
import { createControl, isChangingCommand } from '@celeriac/client';
import { makePki, type Issued, type TestPki } from '../../protocol/test/certificates.js';
import { Fixture, FlakyTransport } from './support.js';

const KEY = 'k'.repeat(32);

function controlRecorder() {
  const fixture = new Fixture();
  const transport = new FlakyTransport(fixture.transport);
  const sent = () =>
    transport.published.map(({ message }) => ({ message, request: decodeControlRequest(message) }));
  return { fixture, transport, sent };
}

describe('the control key', () => {
  it('signs changing commands (revoke too) and leaves read-only ones unsigned', async () => {
    const { fixture, transport, sent } = controlRecorder();
    await using _ = fixture;
    await using control = createControl({ transport, controlKey: KEY, timeoutMs: 20 });
    await control.shutdown({ destination: ['w1@host'] });
    await control.rateLimit('proj.add', '10/s');
    await control.revoke('6a1f9c3e-0000-4000-8000-000000000001', { terminate: true });
    await control.broadcast('some_future_command');
    await control.ping();
    await control.inspect().active();
    await control.broadcast('heartbeat');

    const gate = createControlAuthorizer({ key: KEY });
    const byMethod = new Map(sent().map((s) => [s.request.method, s]));
    for (const method of ['shutdown', 'rate_limit', 'revoke', 'some_future_command']) {
      const { message, request } = byMethod.get(method)!;
      expect(message.headers[CONTROL_SIGNATURE_HEADER]).toMatch(/^t=\d+,n=[\w-]+,v1=[0-9a-f]{64}$/);
      expect(gate.authorize(message, request)).toEqual({ allowed: true, signed: true });
    }
    for (const method of ['ping', 'active', 'heartbeat']) {
      const { message } = byMethod.get(method)!;
      expect(message.headers[CONTROL_SIGNATURE_HEADER]).toBeUndefined();
      expect(isChangingCommand(method)).toBe(false);
    }
    // The one list: the client's notion of "changing" is the protocol's.
    expect(isChangingCommand('hello')).toBe(true);
    expect(isChangingCommand('memdump')).toBe(true);
  });

  it('signs read-only requests too with signReadOnly, and client.revoke through the client', async () => {
    const { fixture, transport, sent } = controlRecorder();
    await using _ = fixture;
    const client = fixture.makeClient({
      transport,
      control: { controlKey: new TextEncoder().encode(KEY), signReadOnly: true, timeoutMs: 20 },
    });
    await client.revoke('6a1f9c3e-0000-4000-8000-000000000002');
    await client.control.ping();
    await client.close();
    const gate = createControlAuthorizer({ key: KEY });
    expect(sent().map((s) => s.request.method)).toEqual(['revoke', 'ping']);
    for (const { message, request } of sent()) {
      expect(message.headers[CONTROL_SIGNATURE_HEADER]).toBeDefined();
      expect(gate.authorize(message, request).allowed).toBe(true);
    }
  });

  it('without a key sends Celery-plain requests, which a keyed worker refuses as unsigned', async () => {
    const { fixture, transport, sent } = controlRecorder();
    await using _ = fixture;
    await using control = createControl({ transport });
    await control.poolShrink(1);
    const [{ message, request }] = sent() as [{ message: BrokerMessage; request: never }];
    expect(message.headers[CONTROL_SIGNATURE_HEADER]).toBeUndefined();
    const verdict = createControlAuthorizer({ key: KEY }).authorize(message, request);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.error.reason).toBe(ControlRefusal.unsigned);
  });

  it('refuses a key that is too short when the control client is created', async () => {
    await using fixture = new Fixture();
    expect(() => createControl({ transport: fixture.transport, controlKey: 'short' })).toThrow(
      /control key is 5 bytes; at least 16/,
    );
  });
});

describe('signed task messages (security)', () => {
  let pki: TestPki;
  let signer: Issued;
  let stranger: Issued;
  beforeAll(() => {
    pki = makePki();
    signer = pki.issue('client');
    stranger = pki.selfSigned('stranger');
  });
  afterAll(() => pki.remove());

  const store = () => [{ name: 'client.pem', pem: signer.certPem }];

  it('signs every task; the verify helper accepts it and names the signer', async () => {
    await using fixture = new Fixture({ security: { key: signer.keyPem, cert: signer.certPem } });
    const sent = await fixture.client.sendTask('proj.add', [2, 3], { note: 'café' });
    const [delivery] = await fixture.take('celery');
    const message = delivery!.message;
    expect(message.contentType).toBe('application/data');
    const auth = createMessageSecurity({ store: store() });
    const verdict = verifyTaskMessage(message, auth, { queue: 'celery' });
    expect(verdict.accepted).toBe(true);
    if (!verdict.accepted) return;
    expect(verdict.task.headers.id).toBe(sent.id);
    expect(verdict.task.args).toEqual([2, 3]);
    expect(verdict.task.kwargs).toEqual({ note: 'café' });
    expect(verdict.signer).toMatch(/celeriac tests/);
  });

  it('refuses tampered, untrusted, expired and unsigned messages with one line each', async () => {
    await using fixture = new Fixture({ security: { key: signer.keyPem, cert: signer.certPem } });
    await using plain = new Fixture();
    const sent = await fixture.client.sendTask('proj.add', [2, 3]);
    const [delivery] = await fixture.take('celery');
    const message = delivery!.message;
    const verifier = createMessageSecurity({ store: store() });
    const refusal = (m: BrokerMessage, auth = verifier) => {
      const verdict = verifyTaskMessage(m, auth, { queue: 'celery' });
      if (verdict.accepted) throw new Error('accepted');
      expect(verdict.line).not.toContain('\n');
      return verdict;
    };

    // Flip one base64 character of the signed JSON near the end of the body.
    const body = Buffer.from(message.body).toString('latin1');
    const at = body.length - 8;
    const flipped = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1);
    const tampered = refusal({ ...message, body: Buffer.from(flipped, 'latin1') });
    expect(tampered.line).toMatch(
      new RegExp(
        `^refused task ${sent.id} \\(proj.add\\) from queue celery: body: .*\\(bad-signature\\)$`,
      ),
    );

    const others = createMessageSecurity({ store: [{ name: 'x.pem', pem: stranger.certPem }] });
    expect(refusal(message, others).line).toMatch(/\(untrusted\)$/);

    const later = Date.now() + 10 * 86_400_000; // the test certificates last two days
    const future = createMessageSecurity({ store: store(), now: () => later });
    expect(refusal(message, future).line).toMatch(/\(expired\)$/);

    await plain.client.sendTask('proj.add', [2, 3]);
    const [unsigned] = await plain.take('celery');
    const verdict = refusal(unsigned!.message);
    expect(verdict.error).toMatchObject({ reason: SignatureRefusal.unsigned });
  });

  it('refuses settings that cannot sign when the client is created', async () => {
    await using fixture = new Fixture();
    const make = (security: object) => () =>
      fixture.makeClient({ security: security as { store: [] } });
    expect(make({ store: store() })).toThrow(SecurityConfigError);
    expect(make({ store: store() })).toThrow(/needs key and cert/);
    expect(make({ key: signer.keyPem, cert: stranger.certPem })).toThrow(/does not belong/);
    expect(make({ key: signer.keyPem, cert: signer.certPem, serializer: 'pickle' })).toThrow(
      /serializer "pickle" is not supported/,
    );
  });
});
