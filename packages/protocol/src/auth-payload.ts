/**
 * The byte layout of a body signed by Celery's `auth` serializer (`SecureSerializer._pack`
 * and `_unpack`):
 *
 *     base64( signer ‖ SEP ‖ signature ‖ SEP ‖ content_type ‖ SEP ‖ content_encoding ‖ SEP ‖ body )
 *
 * with `SEP` the two bytes `00 01`. The signature has a fixed length (the signer's RSA
 * modulus bits ÷ 8, Celery's `key_size >> 3`) and may itself contain `00 01`, so it is cut
 * by length; reading therefore happens in two steps, the signer first (to find its
 * certificate and so the length), then the rest. `auth-serializer.ts` does the crypto.
 */
import { SignatureError, SignatureRefusal } from './errors.js';

const SEP_0 = 0x00;
const SEP_1 = 0x01;
const SEPARATOR = new Uint8Array([SEP_0, SEP_1]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** The fields of a signed body. */
export interface AuthFields {
  signature: Uint8Array;
  contentType: string;
  contentEncoding: string;
  body: Uint8Array;
}

function indexOfSep(bytes: Uint8Array, from: number): number {
  for (let at = bytes.indexOf(SEP_0, from); at !== -1; at = bytes.indexOf(SEP_0, at + 1)) {
    if (bytes[at + 1] === SEP_1) return at;
  }
  return -1;
}

/** The message body (base64, as ASCII bytes) for a signer's id and the fields. */
export function packAuthPayload(signer: Uint8Array, fields: AuthFields): Uint8Array {
  const encoder = new TextEncoder();
  const parts = [
    signer,
    SEPARATOR,
    fields.signature,
    SEPARATOR,
    encoder.encode(fields.contentType),
    SEPARATOR,
    encoder.encode(fields.contentEncoding),
    SEPARATOR,
    fields.body,
  ];
  const packed = Buffer.concat(parts);
  return encoder.encode(packed.toString('base64'));
}

/** A signed body, base64-decoded, with its signer read. */
export interface AuthPayload {
  raw: Uint8Array;
  /** The signer's certificate id. */
  signer: string;
  /** Where the separator after the signer starts. */
  signerEnd: number;
}

/** Step one: decode the base64 and read the signer. Throws `SignatureError` (`malformed`). */
export function readAuthSigner(payload: Uint8Array): AuthPayload {
  const text = latin1.decode(payload);
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    throw new SignatureError(SignatureRefusal.malformed, 'not an auth-signed body (not base64)');
  }
  const raw = new Uint8Array(Buffer.from(text, 'base64'));
  const signerEnd = indexOfSep(raw, 0);
  if (signerEnd <= 0) {
    throw new SignatureError(SignatureRefusal.malformed, 'not an auth-signed body (no signer)');
  }
  return { raw, signer: utf8.decode(raw.subarray(0, signerEnd)), signerEnd };
}

/**
 * Step two: the fields, the signature being `signatureLength` bytes. Like Celery, the
 * body ends at the next separator if there is one (JSON text never holds one). Throws
 * `SignatureError` (`malformed`) when the layout does not fit.
 */
export function readAuthFields(payload: AuthPayload, signatureLength: number): AuthFields {
  const { raw, signer, signerEnd } = payload;
  const sigStart = signerEnd + 2;
  const sigEnd = sigStart + signatureLength;
  const sepAfterSignature = raw[sigEnd] === SEP_0 && raw[sigEnd + 1] === SEP_1;
  const typeEnd = sepAfterSignature ? indexOfSep(raw, sigEnd + 2) : -1;
  const encodingEnd = typeEnd === -1 ? -1 : indexOfSep(raw, typeEnd + 2);
  if (encodingEnd === -1) {
    throw new SignatureError(
      SignatureRefusal.malformed,
      `signed by ${JSON.stringify(signer)} but not in the auth serializer's layout`,
      { signer },
    );
  }
  const bodyEnd = indexOfSep(raw, encodingEnd + 2);
  return {
    signature: raw.subarray(sigStart, sigEnd),
    contentType: latin1.decode(raw.subarray(sigEnd + 2, typeEnd)),
    contentEncoding: latin1.decode(raw.subarray(typeEnd + 2, encodingEnd)),
    body: raw.subarray(encodingEnd + 2, bodyEnd === -1 ? raw.length : bodyEnd),
  };
}
