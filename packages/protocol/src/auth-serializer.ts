/**
 * Celery's `auth` serializer (`celery/security/serialization.py`, set up by
 * `app.setup_security()`): a message body signed with the sender's RSA key, verified
 * against a store of trusted certificates. Wire-compatible both ways with Celery 5.2.
 *
 * What is signed is the serialized body alone (kombu JSON): RSA-PSS, MGF1 and the message
 * digest both `security_digest` (default sha256), salt length the maximum. The signed
 * layout is `auth-payload.ts`'s. The message's content type becomes `application/data`,
 * its encoding `utf-8`; compression, when used, applies to the base64 text. Only the body
 * is signed — headers (task name, id, eta…) are not: see docs/security.md for what that
 * means.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  getHashes,
  KeyObject,
  sign as rsaSign,
  verify as rsaVerify,
  type X509Certificate,
} from 'node:crypto';
import { packAuthPayload, readAuthFields, readAuthSigner } from './auth-payload.js';
import {
  CertificateStore,
  readCertificates,
  type CertificateSource,
  type TrustedCertificate,
} from './certificate.js';
import { EncodeError, SecurityConfigError, SignatureError, SignatureRefusal } from './errors.js';

/** Content type and encoding of a signed message (Celery registers `auth` with these). */
export const AuthContent = { type: 'application/data', encoding: 'utf-8' } as const;

/** Options of {@link createAuthSerializer}: Celery's `security_*` settings. */
export interface AuthSerializerOptions {
  /** The signer's private key (`security_key`): PEM text, bytes or a KeyObject; RSA. */
  key?: string | Uint8Array | KeyObject;
  /** Passphrase of an encrypted PEM key (Celery itself has none). */
  keyPassphrase?: string;
  /** The signer's certificate (`security_certificate`), matching `key`. */
  certificate?: string | Uint8Array | X509Certificate;
  /** Trusted certificates (`security_cert_store`): a store, or the files' contents. */
  store?: CertificateStore | Iterable<CertificateSource>;
  /** `security_digest`: `sha256` (Celery's default), `sha512`, `sha3_256`, … */
  digest?: string;
  /** Unix ms now, for validity checks; default `Date.now`. */
  now?: () => number;
}

/** A verified body: who signed it, and what they signed. */
export interface SignedBody {
  /** The signer's certificate id. */
  signer: string;
  /** Content type of the signed payload, e.g. `application/json`. */
  contentType: string;
  /** Its encoding, e.g. `utf-8`. */
  contentEncoding: string;
  /** The serialized payload that was signed. */
  body: Uint8Array;
}

/**
 * Signs bodies (with `key` and `certificate`) and verifies them (with `store`). A worker
 * needs both halves (it verifies tasks and signs the follow-ups it sends); a client only
 * signs. Pass it as `auth` to `encodeTaskMessage`/`encodeBody` and
 * `decodeTaskMessage`/`decodeBody`.
 */
export interface AuthSerializer {
  /** The signing certificate's id, or undefined for a verify-only serializer. */
  readonly signer: string | undefined;
  /** Whether {@link AuthSerializer.verify} can be used (a store was given). */
  readonly verifies: boolean;
  /**
   * Sign a serialized payload; returns the message body (base64 ASCII). Throws
   * `SecurityConfigError` without a key, `EncodeError` once the certificate expired.
   */
  sign(body: Uint8Array, contentType: string, contentEncoding: string): Uint8Array;
  /**
   * Check a message body and return what was signed. Throws `SignatureError` saying
   * which check failed (`malformed`, `untrusted`, `expired`, `not-yet-valid`,
   * `bad-signature`), `SecurityConfigError` without a store.
   */
  verify(payload: Uint8Array): SignedBody;
}

/** Celery's digest name (`getattr(hashes, digest.upper())`) as Node's. */
function nodeDigest(digest: string): string {
  const name = digest.toLowerCase().replaceAll('_', '-');
  if (!getHashes().includes(name)) {
    throw new SecurityConfigError(`unknown security digest ${JSON.stringify(digest)}`);
  }
  return name;
}

function rsaModulusBits(key: KeyObject, what: string): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits === undefined) {
    throw new SecurityConfigError(
      `${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; ` +
        "Celery's auth serializer signs with RSA",
    );
  }
  return bits;
}

function validity(certificate: TrustedCertificate, now: number): SignatureRefusal | undefined {
  if (now >= certificate.notAfter.getTime()) return SignatureRefusal.expired;
  if (now < certificate.notBefore.getTime()) return SignatureRefusal.notYetValid;
  return undefined;
}

interface Signing {
  key: KeyObject;
  certificate: TrustedCertificate;
  id: Uint8Array;
}

function signingHalf(options: AuthSerializerOptions, now: number): Signing | undefined {
  if (options.key === undefined && options.certificate === undefined) return undefined;
  if (options.key === undefined || options.certificate === undefined) {
    throw new SecurityConfigError('signing needs both a private key and its certificate');
  }
  let key: KeyObject;
  try {
    key =
      options.key instanceof KeyObject
        ? options.key
        : createPrivateKey(
            options.keyPassphrase === undefined
              ? { key: Buffer.from(options.key) }
              : { key: Buffer.from(options.key), passphrase: options.keyPassphrase },
          );
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SecurityConfigError(`the private key cannot be read: ${reason}`, { cause });
  }
  rsaModulusBits(key, 'the private key');
  const certificate = readCertificates(options.certificate, 'to sign with')[0];
  if (certificate === undefined) throw new SecurityConfigError('no certificate to sign with');
  const mine = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!mine.equals(certificate.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new SecurityConfigError(
      `the private key does not belong to the certificate ${JSON.stringify(certificate.id)}`,
    );
  }
  if (now >= certificate.notAfter.getTime()) {
    throw new SecurityConfigError(
      `the certificate ${JSON.stringify(certificate.id)} expired at ` +
        certificate.notAfter.toISOString(),
    );
  }
  return { key, certificate, id: new TextEncoder().encode(certificate.id) };
}

/**
 * Celery's `auth` serializer from its `security_*` settings. Throws
 * {@link SecurityConfigError} for what cannot work: unreadable PEM, a non-RSA key, a key
 * that does not match the certificate, an expired signing certificate, an unknown digest.
 *
 * @example
 * ```ts
 * const auth = createAuthSerializer({ key: keyPem, certificate: certPem, store: [certPem] });
 * const message = encodeTaskMessage({ headers: { task: 'proj.add', id }, args: [2, 3] }, { auth });
 * const task = decodeTaskMessage(message, { auth }); // throws SignatureError if tampered
 * ```
 */
export function createAuthSerializer(options: AuthSerializerOptions): AuthSerializer {
  const now = options.now ?? Date.now;
  const digest = nodeDigest(options.digest ?? 'sha256');
  const digestBytes = createHash(digest).digest().length;
  const signing = signingHalf(options, now());
  const store =
    options.store === undefined || options.store instanceof CertificateStore
      ? options.store
      : new CertificateStore(options.store);

  function sign(body: Uint8Array, contentType: string, contentEncoding: string): Uint8Array {
    if (signing === undefined) {
      throw new SecurityConfigError('this auth serializer has no private key to sign with');
    }
    if (now() >= signing.certificate.notAfter.getTime()) {
      throw new EncodeError(
        'body',
        `cannot sign: the certificate ${JSON.stringify(signing.certificate.id)} expired at ` +
          signing.certificate.notAfter.toISOString(),
      );
    }
    const signature = rsaSign(digest, body, {
      key: signing.key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
    });
    return packAuthPayload(signing.id, { signature, contentType, contentEncoding, body });
  }

  function verify(payload: Uint8Array): SignedBody {
    if (store === undefined) {
      throw new SecurityConfigError('this auth serializer has no certificate store to verify with');
    }
    const payloadRead = readAuthSigner(payload);
    const signer = payloadRead.signer;
    const certificate = store.get(signer);
    if (certificate === undefined) {
      throw new SignatureError(
        SignatureRefusal.untrusted,
        `signed by ${JSON.stringify(signer)}, which is not in the certificate store`,
        { signer },
      );
    }
    const refusal = validity(certificate, now());
    if (refusal !== undefined) {
      const when =
        refusal === SignatureRefusal.expired
          ? `expired at ${certificate.notAfter.toISOString()}`
          : `is not valid before ${certificate.notBefore.toISOString()}`;
      const detail = `signed by ${JSON.stringify(signer)}, whose certificate ${when}`;
      throw new SignatureError(refusal, detail, { signer });
    }
    const bits = certificate.publicKey.asymmetricKeyDetails?.modulusLength;
    if (certificate.publicKey.asymmetricKeyType !== 'rsa' || bits === undefined) {
      throw new SignatureError(
        SignatureRefusal.badSignature,
        `signed by ${JSON.stringify(signer)}, whose certificate has no RSA key to verify with`,
        { signer },
      );
    }
    // Celery cuts the signature by the key's size (`key_size >> 3`), since it may hold 00 01.
    const fields = readAuthFields(payloadRead, bits >> 3);
    const saltLength = Math.ceil((bits - 1) / 8) - digestBytes - 2;
    let good: boolean;
    try {
      good = rsaVerify(
        digest,
        fields.body,
        { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        fields.signature,
      );
    } catch {
      good = false; // OpenSSL refusing the signature's form is a bad signature too
    }
    if (!good) {
      throw new SignatureError(
        SignatureRefusal.badSignature,
        `the signature of ${JSON.stringify(signer)} does not match the body (tampered, or signed with another key)`,
        { signer },
      );
    }
    return {
      signer,
      contentType: fields.contentType,
      contentEncoding: fields.contentEncoding,
      body: fields.body,
    };
  }

  return { signer: signing?.certificate.id, verifies: store !== undefined, sign, verify };
}
