/**
 * Celery's `auth` serializer, both ways, against real Python (Debian's python3-celery
 * 5.2.6 and python3-cryptography): celeriac signs task bodies that kombu's registry (as
 * set up by `register_auth`, what `app.setup_security()` does) verifies and decodes, and
 * celeriac verifies and decodes what Python signs. Tampered, untrusted-certificate,
 * unsigned and expired-certificate messages are refused on both sides. Certificates are
 * made by the test with openssl: a 2048-bit key issued by a CA with a serial beyond 64
 * bits, a self-signed 4096-bit key with UTF-8 in its name (signed with sha512), one the
 * stores do not trust, and one whose validity ended in 2020.
 *
 * Full worker and client round trips over a broker come with the worker's wiring; this
 * proves the bytes.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SignatureError,
  certificateId,
  createAuthSerializer,
  decodeTaskMessage,
  encodeTaskMessage,
  readCertificates,
  type AuthSerializer,
  type BrokerMessage,
} from '@celeriac/protocol';
import {
  makePki,
  type Issued,
  type TestPki,
} from '../../../packages/protocol/test/certificates.js';
import { jsonLines, runPython } from '../../support/python-celery.js';

const PYTHON_DIR = join(import.meta.dirname, 'python');
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

interface PyDumps {
  content_type: string;
  content_encoding: string;
  body: string;
}
type PyLoads = { data: unknown } | { error: string; message: string };

let pki: TestPki;
let a: Issued; // CA-issued, 2048 bits, serial > 2**64
let b: Issued; // self-signed, 4096 bits, UTF-8 subject; signs with sha512
let untrusted: Issued;
let expired: Issued;
/** Store folders as Celery's `security_cert_store` takes them. */
let storeAB: string;
let storeExpired: string;

function storeDir(name: string, members: readonly Issued[]): string {
  const dir = join(pki.dir, name);
  mkdirSync(dir);
  members.forEach((m, i) => copyFileSync(m.certPath, join(dir, `cert-${i}.pem`)));
  return dir;
}

async function python(jobs: readonly Record<string, unknown>[]): Promise<unknown[]> {
  const file = join(pki.dir, `jobs-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ jobs }));
  const out = await runPython(['auth_tool.py', file], { dir: PYTHON_DIR, env: {} });
  const [line] = jsonLines(out);
  return line!['results'] as unknown[];
}

/** A task message as celeriac's client would send it, signed by `auth`. */
function signedTask(auth: AuthSerializer, args: unknown[]): BrokerMessage {
  return encodeTaskMessage(
    {
      headers: { task: 'proj.add', id: 'e4b1c9a0-0000-4000-8000-000000000001' },
      args,
      kwargs: { note: 'café ✓' },
      embed: {
        chain: [
          {
            task: 'proj.mul',
            args: [10],
            kwargs: {},
            options: {},
            subtask_type: null,
            immutable: false,
          },
        ],
      },
    },
    { auth },
  );
}

/** A copy of a signed body with one character of the signed JSON changed. */
function tamper(body: Uint8Array): Uint8Array {
  const raw = Buffer.from(text(body), 'base64');
  const at = raw.lastIndexOf('[');
  raw[at + 1] = raw[at + 1] === 0x39 ? 0x38 : 0x39;
  return new TextEncoder().encode(raw.toString('base64'));
}

function pythonMessage(dumped: PyDumps): BrokerMessage {
  return {
    body: new TextEncoder().encode(dumped.body),
    contentType: dumped.content_type,
    contentEncoding: dumped.content_encoding,
    headers: { task: 'proj.add', id: 'e4b1c9a0-0000-4000-8000-000000000002' },
    properties: {},
  };
}

/** Python's refusal as [exception class, message]. */
function pyError(result: PyLoads): [string, string] {
  if (!('error' in result)) throw new Error(`Python accepted it: ${JSON.stringify(result)}`);
  return [result.error, result.message];
}

function refusal(fn: () => unknown): SignatureError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SignatureError) return error;
    throw error;
  }
  throw new Error('expected a SignatureError');
}

beforeAll(() => {
  pki = makePki();
  a = pki.issue('signer-a', { serial: 123456789012345678901234567890n });
  b = pki.selfSigned('signer-b', {
    bits: 4096,
    subject: '/C=DE/O=Bäckerei Müller/CN=signer b ✓',
    serial: 77n,
  });
  untrusted = pki.issue('intruder', { serial: 666n });
  expired = pki.issue('expired', { startDate: '20200101000000Z', endDate: '20200201000000Z' });
  storeAB = storeDir('store-ab', [a, b]);
  storeExpired = storeDir('store-expired', [expired]);
}, 60_000);

afterAll(() => pki?.remove());

describe("Celery's auth serializer, both ways", () => {
  it('names certificates as Celery does (issuer values and decimal serial)', async () => {
    const ids = (await python([a, b, untrusted].map((c) => ({ op: 'id', cert: c.certPem })))) as {
      id: string;
    }[];
    expect(ids.map((r) => r.id)).toEqual(
      [a, b, untrusted].map((c) => certificateId(readCertificates(c.certPem)[0]!.x509)),
    );
    expect(ids[0]!.id).toBe('US celeriac tests test CA 123456789012345678901234567890');
    expect(ids[1]!.id).toBe('DE Bäckerei Müller signer b ✓ 77');
  });

  it('Python verifies and decodes what celeriac signs; refuses tampered, untrusted and unsigned', async () => {
    const store = [a.certPem, b.certPem];
    const signA = createAuthSerializer({ key: a.keyPem, certificate: a.certPem, store });
    const signB = createAuthSerializer({
      key: b.keyPem,
      certificate: b.certPem,
      store,
      digest: 'sha512',
    });
    const intruder = createAuthSerializer({
      key: untrusted.keyPem,
      certificate: untrusted.certPem,
    });
    const good = signedTask(signA, [2, 3]);
    const good512 = signedTask(signB, [4, 5]);
    const unsigned = encodeTaskMessage({ headers: { task: 'proj.add', id: 'u' }, args: [1, 1] });
    const loads = (m: BrokerMessage, digest = 'sha256') => ({
      op: 'loads',
      body: text(m.body),
      content_type: m.contentType,
      content_encoding: m.contentEncoding,
      store: storeAB,
      digest,
    });
    const [ok, ok512, tampered, stranger, plain] = (await python([
      loads(good),
      loads(good512, 'sha512'),
      loads({ ...good, body: tamper(good.body) }),
      loads(signedTask(intruder, [6, 6])),
      loads(unsigned),
    ])) as [PyLoads, PyLoads, PyLoads, PyLoads, PyLoads];

    expect(good.contentType).toBe('application/data');
    expect(good.contentEncoding).toBe('utf-8');
    const embed = { callbacks: null, errbacks: null, chord: null };
    const chain = [
      {
        task: 'proj.mul',
        args: [10],
        kwargs: {},
        options: {},
        subtask_type: null,
        immutable: false,
      },
    ];
    expect(ok).toEqual({ data: [[2, 3], { note: 'café ✓' }, { ...embed, chain }] });
    expect(ok512).toEqual({ data: [[4, 5], { note: 'café ✓' }, { ...embed, chain }] });
    // Refused. Celery 5.2's message says less than it means: `reraise_errors` catches
    // `(cryptography.exceptions,)`, a module, so the InvalidSignature turns into a TypeError
    // before Celery wraps it ("Unable to deserialize: TypeError('catching classes …')").
    expect(pyError(tampered)).toEqual(['DecodeError', expect.any(String)]);
    expect(pyError(tampered)[1]).toMatch(/Unable to deserialize/);
    expect(pyError(stranger)[0]).toBe('DecodeError');
    expect(pyError(stranger)[1]).toMatch(/Unknown certificate: b?'US celeriac tests test CA 666'/);
    expect(pyError(plain)[0]).toBe('ContentDisallowed');
  });

  it('celeriac verifies and decodes what Python signs; refuses tampered, untrusted, unsigned and expired', async () => {
    const data = [
      [7, 8],
      { city: 'Zürich' },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ];
    const dumps = (signer: Issued, digest = 'sha256') => ({
      op: 'dumps',
      data,
      key: signer.keyPem,
      cert: signer.certPem,
      digest,
    });
    const [fromA, fromB, fromIntruder, fromExpired, expiredStore] = (await python([
      dumps(a),
      dumps(b, 'sha512'),
      dumps(untrusted),
      dumps(expired),
      {
        op: 'loads',
        body: 'x',
        content_type: 'application/data',
        content_encoding: 'utf-8',
        store: storeExpired,
      },
    ])) as [PyDumps, PyDumps, PyDumps, PyDumps, PyLoads];

    const store = [a.certPem, b.certPem];
    const verifier = createAuthSerializer({ store });
    const verifier512 = createAuthSerializer({ store, digest: 'sha512' });
    expect(fromA.content_type).toBe('application/data');
    const task = decodeTaskMessage(pythonMessage(fromA), { auth: verifier });
    expect(task.args).toEqual([7, 8]);
    expect(task.kwargs).toEqual({ city: 'Zürich' });
    expect(task.signer).toBe(certificateId(readCertificates(a.certPem)[0]!.x509));
    expect(decodeTaskMessage(pythonMessage(fromB), { auth: verifier512 }).args).toEqual([7, 8]);

    const tampered = pythonMessage(fromA);
    tampered.body = tamper(tampered.body);
    expect(refusal(() => decodeTaskMessage(tampered, { auth: verifier })).reason).toBe(
      'bad-signature',
    );
    const stranger = refusal(() =>
      decodeTaskMessage(pythonMessage(fromIntruder), { auth: verifier }),
    );
    expect(stranger.reason).toBe('untrusted');
    expect(stranger.message).toMatch(
      /signed by "US celeriac tests test CA 666", which is not in the certificate store/,
    );
    const unsigned = encodeTaskMessage({ headers: { task: 'proj.add', id: 'u' }, args: [1] });
    expect(refusal(() => decodeTaskMessage(unsigned, { auth: verifier })).reason).toBe('unsigned');

    // Python refuses a store holding an expired certificate when it loads it; celeriac
    // loads it and refuses what it signed, naming when it expired.
    expect(pyError(expiredStore)[1]).toMatch(/Expired certificate/);
    const withExpired = createAuthSerializer({ store: [expired.certPem] });
    const late = refusal(() =>
      decodeTaskMessage(pythonMessage(fromExpired), { auth: withExpired }),
    );
    expect(late.reason).toBe('expired');
    expect(late.message).toMatch(/expired at 2020-02-01T00:00:00.000Z/);
  });
});
