import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CertificateStore,
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  SecurityConfigError,
  SignatureError,
  compress,
  createAuthSerializer,
  decodeBody,
  decodeEventMessage,
  decodeSignedBody,
  decodeTaskMessage,
  encodeBody,
  encodeEventMessage,
  encodeTaskMessage,
  readCertificates,
  type AuthSerializer,
  type BrokerMessage,
} from '@celeriac/protocol';
import { packAuthPayload } from '../src/auth-payload.js';
import { makePki, type Issued, type TestPki } from './certificates.js';

let pki: TestPki;
let a: Issued;
let other: Issued;
let auth: AuthSerializer;

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

function refusal(fn: () => unknown): SignatureError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SignatureError) return error;
    throw error;
  }
  throw new Error('expected a SignatureError');
}

function task(args: unknown[], signer: AuthSerializer | null = auth): BrokerMessage {
  return encodeTaskMessage(
    { headers: { task: 'proj.add', id: 'f0c1a1a2-0000-4000-8000-000000000000' }, args },
    signer === null ? {} : { auth: signer },
  );
}

/** The packed fields of a signed body. */
function unpack(body: Uint8Array): Buffer {
  return Buffer.from(latin1(body), 'base64');
}

beforeAll(() => {
  pki = makePki();
  a = pki.issue('signer-a', { serial: 4096n });
  other = pki.issue('other', { serial: 4097n });
  auth = createAuthSerializer({ key: a.keyPem, certificate: a.certPem, store: [a.certPem] });
}, 60_000);

afterAll(() => pki?.remove());

describe('createAuthSerializer: the format', () => {
  it('packs signer, signature, content type, encoding and body, base64, as application/data', () => {
    const message = task([2, 3]);
    expect(message.contentType).toBe('application/data');
    expect(message.contentEncoding).toBe('utf-8');
    const raw = unpack(message.body);
    const signer = 'US celeriac tests test CA 4096';
    expect(raw.subarray(0, signer.length).toString()).toBe(signer);
    expect([...raw.subarray(signer.length, signer.length + 2)]).toEqual([0, 1]);
    const rest = raw.subarray(signer.length + 2 + 256);
    expect(rest.toString('latin1')).toBe(
      '\x00\x01application/json\x00\x01utf-8\x00\x01' +
        '[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]',
    );
    expect(auth.signer).toBe(signer);
    const decoded = decodeTaskMessage(message, { auth });
    expect(decoded.args).toEqual([2, 3]);
    expect(decoded.signer).toBe(signer);
  });

  it('cuts the signature by length: a signature holding 00 01 still verifies', () => {
    // PSS signatures are randomised: sign until one holds the separator (p ≈ 1/256 each).
    for (let i = 0; i < 5000; i += 1) {
      const message = task([i]);
      const raw = unpack(message.body);
      const start = auth.signer!.length + 2;
      const signature = raw.subarray(start, start + 256);
      if (signature.includes(Buffer.from([0, 1]))) {
        expect(decodeTaskMessage(message, { auth }).args).toEqual([i]);
        return;
      }
    }
    throw new Error('no signature with 00 01 in 5000 tries');
  });

  it('signs before compressing, as kombu does, and reads it back', () => {
    const zipped = encodeTaskMessage(
      { headers: { task: 'proj.add', id: 'z' }, args: ['x'.repeat(5000)] },
      { auth, compression: 'zlib' },
    );
    expect(zipped.headers['compression']).toBe('application/x-gzip');
    expect(decodeTaskMessage(zipped, { auth }).args).toEqual(['x'.repeat(5000)]);
  });

  it('signs events and plain bodies too', () => {
    const event = encodeEventMessage(
      { hostname: 'w@h', utcoffset: 0, pid: 1, clock: 1, timestamp: 1, type: 'worker-online' },
      { auth },
    );
    expect(event.message.contentType).toBe('application/data');
    expect(decodeEventMessage(event.message, { auth })[0]!.type).toBe('worker-online');
    const body = encodeBody({ n: 1 }, { auth });
    const message = { ...body, headers: {}, properties: {} };
    expect(decodeSignedBody(message, { auth })).toEqual({ value: { n: 1 }, signer: auth.signer });
  });
});

describe('createAuthSerializer: refusals', () => {
  it('refuses an unsigned message, naming its content type', () => {
    const error = refusal(() => decodeTaskMessage(task([1], null), { auth }));
    expect(error.reason).toBe('unsigned');
    expect(error.code).toBe('ERR_SIGNATURE');
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.message).toBe(
      'body: unsigned message (content type "application/json"); only messages signed with ' +
        "Celery's auth serializer are accepted",
    );
  });

  it('refuses a tampered body, a swapped signature, and junk', () => {
    const message = task([2, 3]);
    const raw = unpack(message.body);
    raw[raw.length - 80] = 0x39; // a digit inside the JSON
    const tampered = { ...message, body: new TextEncoder().encode(raw.toString('base64')) };
    const bad = refusal(() => decodeTaskMessage(tampered, { auth }));
    expect(bad.reason).toBe('bad-signature');
    expect(bad.signer).toBe(auth.signer);
    expect(bad.message).toMatch(/does not match the body/);

    const one = unpack(task([1]).body);
    const two = unpack(task([2]).body);
    const start = auth.signer!.length + 2;
    two.set(one.subarray(start, start + 256), start);
    const swapped = { ...message, body: new TextEncoder().encode(two.toString('base64')) };
    expect(refusal(() => decodeTaskMessage(swapped, { auth })).reason).toBe('bad-signature');

    for (const junk of ['not base64!', '', Buffer.from('no separators').toString('base64')]) {
      const error = refusal(() =>
        decodeTaskMessage({ ...message, body: new TextEncoder().encode(junk) }, { auth }),
      );
      expect(error.reason).toBe('malformed');
    }
    const cut = Buffer.concat([unpack(message.body).subarray(0, start + 100)]);
    const short = { ...message, body: new TextEncoder().encode(cut.toString('base64')) };
    expect(refusal(() => decodeTaskMessage(short, { auth })).reason).toBe('malformed');
  });

  it('refuses a signer outside the store, naming it', () => {
    const intruder = createAuthSerializer({ key: other.keyPem, certificate: other.certPem });
    const error = refusal(() => decodeTaskMessage(task([1], intruder), { auth }));
    expect(error.reason).toBe('untrusted');
    expect(error.message).toBe(
      'body: signed by "US celeriac tests test CA 4097", which is not in the certificate store',
    );
  });

  it('refuses certificates outside their validity, by the injected clock', () => {
    const { notAfter, notBefore } = readCertificates(a.certPem)[0]!;
    const later = createAuthSerializer({ store: [a.certPem], now: () => notAfter.getTime() });
    const expired = refusal(() => decodeTaskMessage(task([1]), { auth: later }));
    expect(expired.reason).toBe('expired');
    expect(expired.message).toMatch(/whose certificate expired at /);
    const early = createAuthSerializer({ store: [a.certPem], now: () => notBefore.getTime() - 1 });
    expect(refusal(() => decodeTaskMessage(task([1]), { auth: early })).reason).toBe(
      'not-yet-valid',
    );
    const signer = createAuthSerializer({
      key: a.keyPem,
      certificate: a.certPem,
      now: () => (Date.now() < notAfter.getTime() - 1000 ? Date.now() : 0),
    });
    let clock = Date.now();
    const ageing = createAuthSerializer({
      key: a.keyPem,
      certificate: a.certPem,
      now: () => clock,
    });
    expect(signer.signer).toBe(ageing.signer);
    clock = notAfter.getTime();
    expect(() => task([1], ageing)).toThrow(EncodeError);
    expect(() => task([1], ageing)).toThrow(/cannot sign: the certificate .* expired at/);
  });

  it('refuses a message from a store certificate without an RSA key', () => {
    const ecDir = mkdtempSync(join(tmpdir(), 'celeriac-ec-'));
    try {
      const ec = readCertificates(
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-nodes',
            '-keyout',
            join(ecDir, 'ec.key'),
            '-days',
            '1',
            '-subj',
            '/CN=ec signer',
            '-set_serial',
            '9',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      )[0]!;
      const body = packAuthPayload(new TextEncoder().encode(ec.id), {
        signature: new Uint8Array(64),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        body: new TextEncoder().encode('[[], {}, {}]'),
      });
      const verifier = createAuthSerializer({ store: [ec.x509] });
      const error = refusal(() => decodeTaskMessage({ ...task([1]), body }, { auth: verifier }));
      expect(error.reason).toBe('bad-signature');
      expect(error.message).toBe(
        'body: signed by "ec signer 9", whose certificate has no RSA key to verify with',
      );
    } finally {
      rmSync(ecDir, { recursive: true, force: true });
    }
  });

  it('decodes nothing but JSON inside, even when signed', () => {
    const packed = auth.sign(
      new Uint8Array([0x80, 0x04]),
      'application/x-python-serialize',
      'binary',
    );
    const message = { ...task([1]), body: packed };
    expect(() => decodeBody(message, { auth })).toThrow(ContentDisallowedError);
  });

  it('bounds hold inside a signed body: compressed size and JSON depth', () => {
    const deep = `${'['.repeat(600)}${']'.repeat(600)}`;
    const body = auth.sign(new TextEncoder().encode(deep), 'application/json', 'utf-8');
    expect(() => decodeBody({ ...task([1]), body }, { auth })).toThrow(
      /JSON nests deeper than 512 levels/,
    );
    const zipped = compress(
      auth.sign(new Uint8Array(100_000).fill(0x20), 'application/json', 'utf-8'),
      'zlib',
    );
    const message = { ...task([1]), body: zipped.body, headers: { compression: zipped.header } };
    expect(() => decodeBody(message, { auth, maxMessageBytes: 50_000 })).toThrow(
      'body: decompresses to more than 50000 bytes',
    );
  });

  it('without auth, a signed task says how to read it', () => {
    expect(() => decodeTaskMessage(task([1]))).toThrow(
      /application\/data bytes are not a task body \(a message signed with Celery's auth serializer/,
    );
  });
});

describe('createAuthSerializer: configuration', () => {
  it('refuses keys and certificates that cannot work, with one clear line', () => {
    expect(() => createAuthSerializer({ key: a.keyPem, certificate: other.certPem })).toThrow(
      'the private key does not belong to the certificate "US celeriac tests test CA 4097"',
    );
    expect(() => createAuthSerializer({ key: a.keyPem })).toThrow(
      'signing needs both a private key and its certificate',
    );
    expect(() => createAuthSerializer({ key: 'nope', certificate: a.certPem })).toThrow(
      /^the private key cannot be read: /,
    );
    expect(() => createAuthSerializer({ store: ['not a certificate'] })).toThrow(
      'a certificate: no PEM certificate found',
    );
    expect(() =>
      createAuthSerializer({
        store: [
          {
            name: 'ca/bad.pem',
            pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
          },
        ],
      }),
    ).toThrow(/^certificate ca\/bad.pem is not a valid X.509 certificate/);
    expect(() => createAuthSerializer({ store: [a.certPem], digest: 'sha999' })).toThrow(
      'unknown security digest "sha999"',
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => createAuthSerializer({ key: ec, certificate: a.certPem })).toThrow(
      "the private key is a ec key; Celery's auth serializer signs with RSA",
    );
    const error = (() => {
      try {
        createAuthSerializer({ store: [a.certPem] }).sign(new Uint8Array(), 'a', 'b');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecurityConfigError);
    expect((error as SecurityConfigError).code).toBe('ERR_SECURITY_CONFIG');
    expect(() =>
      createAuthSerializer({ key: a.keyPem, certificate: a.certPem }).verify(new Uint8Array()),
    ).toThrow('this auth serializer has no certificate store to verify with');
  });

  it('keeps one copy of a certificate given twice, refuses two with one id, reads bundles', () => {
    const store = new CertificateStore([a.certPem, { name: 'again.pem', pem: a.certPem }]);
    expect(store.size).toBe(1);
    const bundle = new CertificateStore([`${a.certPem}\n${other.certPem}`]);
    expect([...bundle].map((c) => c.id)).toEqual([
      'US celeriac tests test CA 4096',
      'US celeriac tests test CA 4097',
    ]);
    const second = makePki(); // a CA of the same name issuing the same serial
    try {
      const twin = second.issue('twin', { serial: 4096n });
      expect(() => new CertificateStore([a.certPem, twin.certPem])).toThrow(
        'two different certificates have the id "US celeriac tests test CA 4096"',
      );
    } finally {
      second.remove();
    }
    const der = new X509Certificate(a.certPem).raw;
    expect(readCertificates(new Uint8Array(der))[0]!.id).toBe('US celeriac tests test CA 4096');
  });
});
