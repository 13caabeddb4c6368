/**
 * X.509 certificates as Celery's `auth` serializer identifies and trusts them
 * (`celery/security/certificate.py`). A certificate's id is its issuer's attribute values
 * joined by spaces, a space, and its serial number in decimal — e.g.
 * `"US Example Inc celeriac test CA 4096"` — and a signed message names its signer by
 * that id. The store is a set of trusted certificates looked up by id: Celery does not
 * build chains to a CA, it trusts exactly the certificates it was given, and so does this.
 *
 * Node's `X509Certificate` gives the public key and validity; the issuer's values are
 * read from the DER here, because Node prints the issuer in an escaped text form whose
 * values cannot always be recovered exactly.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { SecurityConfigError } from './errors.js';

/** A certificate ready for signing or verifying. */
export interface TrustedCertificate {
  /** Celery's id: `"<issuer values…> <serial>"`, what a signed message names. */
  readonly id: string;
  /** The parsed certificate. */
  readonly x509: X509Certificate;
  /** Its public key (RSA for Celery's `auth` serializer). */
  readonly publicKey: KeyObject;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity; Celery calls the certificate expired from this instant on. */
  readonly notAfter: Date;
}

/** A DER element: tag, and where its content starts and ends. */
interface Element {
  tag: number;
  start: number;
  end: number;
}

function element(der: Uint8Array, at: number, limit: number): Element {
  const tag = der[at];
  let length = der[at + 1];
  if (tag === undefined || length === undefined || (tag & 0x1f) === 0x1f) {
    throw new Error(`bad DER element at ${at}`);
  }
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error(`bad DER length at ${at}`);
    length = 0;
    for (let i = 0; i < octets; i += 1) length = length * 256 + (der[start + i] ?? NaN);
    start += octets;
  }
  const end = start + length;
  if (!Number.isFinite(end) || end > limit) throw new Error(`DER element at ${at} overruns`);
  return { tag, start, end };
}

/** The elements directly inside `parent`. */
function children(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = element(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** An ASN.1 string as the Python `cryptography` package turns it into `str`. */
function asn1String(der: Uint8Array, value: Element): string {
  const content = der.subarray(value.start, value.end);
  switch (value.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8', { fatal: true }).decode(content);
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x14: // TeletexString
      return new TextDecoder('latin1').decode(content);
    case 0x1e: // BMPString
      return new TextDecoder('utf-16be').decode(content);
    case 0x1c: {
      // UniversalString: UCS-4, big-endian.
      let out = '';
      for (let i = 0; i + 3 < content.length; i += 4) {
        out += String.fromCodePoint(
          ((content[i]! << 24) |
            (content[i + 1]! << 16) |
            (content[i + 2]! << 8) |
            content[i + 3]!) >>>
            0,
        );
      }
      return out;
    }
    default:
      throw new Error(`issuer attribute of ASN.1 type ${value.tag} is not a string`);
  }
}

/** A DER INTEGER's content as a signed decimal string. */
function integer(der: Uint8Array, value: Element): string {
  let n = 0n;
  for (let i = value.start; i < value.end; i += 1) n = (n << 8n) | BigInt(der[i]!);
  const bits = BigInt((value.end - value.start) * 8);
  if (value.end > value.start && der[value.start]! & 0x80) n -= 1n << bits;
  return n.toString();
}

/**
 * Celery's id of a certificate (`Certificate.get_id()`): the issuer's attribute values
 * in order, joined by spaces, then a space and the serial number in decimal.
 */
export function certificateId(x509: X509Certificate): string {
  const der = new Uint8Array(x509.raw);
  const certificate = element(der, 0, der.length);
  const [tbs] = children(der, certificate);
  if (tbs === undefined) throw new Error('empty certificate');
  const fields = children(der, tbs);
  // An explicit [0] version comes first in v3 certificates.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (serial?.tag !== 0x02 || issuer?.tag !== 0x30) throw new Error('unexpected TBS layout');
  const values: string[] = [];
  for (const rdn of children(der, issuer)) {
    for (const attribute of children(der, rdn)) {
      const [, value] = children(der, attribute);
      if (value === undefined) throw new Error('issuer attribute without a value');
      values.push(asn1String(der, value));
    }
  }
  return `${values.join(' ')} ${integer(der, serial)}`;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function describe(where: string | undefined): string {
  return where === undefined ? 'a certificate' : `certificate ${where}`;
}

/** Parse one certificate already loaded by Node. */
export function trustCertificate(x509: X509Certificate, where?: string): TrustedCertificate {
  let id: string;
  try {
    id = certificateId(x509);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SecurityConfigError(`${describe(where)} cannot be read: ${reason}`, { cause });
  }
  return {
    id,
    x509,
    publicKey: x509.publicKey,
    notBefore: x509.validFromDate,
    notAfter: x509.validToDate,
  };
}

/**
 * Every certificate in a PEM text (a file may hold a bundle) or one DER certificate.
 * Throws {@link SecurityConfigError} naming `where` (e.g. the file) when there is none or
 * one cannot be parsed.
 */
export function readCertificates(
  input: string | Uint8Array | X509Certificate,
  where?: string,
): TrustedCertificate[] {
  if (input instanceof X509Certificate) return [trustCertificate(input, where)];
  const text = typeof input === 'string' ? input : new TextDecoder('latin1').decode(input);
  const blocks = text.match(PEM_CERTIFICATE) ?? (typeof input === 'string' ? [] : [input]);
  if (blocks.length === 0) {
    throw new SecurityConfigError(`${describe(where)}: no PEM certificate found`);
  }
  return blocks.map((block) => {
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(block);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new SecurityConfigError(
        `${describe(where)} is not a valid X.509 certificate: ${reason}`,
        {
          cause,
        },
      );
    }
    return trustCertificate(x509, where);
  });
}

/** One entry given to a {@link CertificateStore}: PEM text or bytes, optionally named. */
export type CertificateSource =
  | string
  | Uint8Array
  | X509Certificate
  | { readonly name: string; readonly pem: string | Uint8Array };

/**
 * The trusted certificates of Celery's `security_cert_store`: the certificates whose
 * signatures a consumer accepts, by id. Celery reads every file of a directory (or a glob);
 * the application reads them (this package does no I/O) and passes their contents,
 * named for error messages. Two different certificates with one id are refused, as in
 * Celery; the same certificate twice is kept once.
 */
export class CertificateStore {
  readonly #byId = new Map<string, TrustedCertificate>();

  constructor(sources: Iterable<CertificateSource>) {
    for (const source of sources) {
      const found =
        typeof source === 'object' && 'pem' in source
          ? readCertificates(source.pem, source.name)
          : readCertificates(source);
      for (const certificate of found) this.#add(certificate);
    }
  }

  #add(certificate: TrustedCertificate): void {
    const known = this.#byId.get(certificate.id);
    if (known === undefined) {
      this.#byId.set(certificate.id, certificate);
    } else if (known.x509.fingerprint256 !== certificate.x509.fingerprint256) {
      throw new SecurityConfigError(
        `two different certificates have the id ${JSON.stringify(certificate.id)}`,
      );
    }
  }

  /** The trusted certificate with this id, if any. */
  get(id: string): TrustedCertificate | undefined {
    return this.#byId.get(id);
  }

  /** How many certificates are trusted. */
  get size(): number {
    return this.#byId.size;
  }

  /** The trusted certificates, in the order given. */
  [Symbol.iterator](): IterableIterator<TrustedCertificate> {
    return this.#byId.values();
  }
}
