/**
 * TLS settings of `rediss://` URLs, read from the query parameters kombu and Celery's
 * Redis backend accept (`ssl_cert_reqs`, `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`),
 * and their translation into Node's TLS options.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { TransportError } from '@celeriac/protocol';

/** How the server's certificate is checked (Python's `ssl.CERT_*`). */
export const CertReqs = {
  /** Verify the chain (and, unless `checkHostname` is false, the host name). */
  required: 'required',
  /** As `required` on a client (Python's `CERT_OPTIONAL` means the same there). */
  optional: 'optional',
  /** Accept any certificate: encryption without authentication. */
  none: 'none',
} as const;
/** One of {@link CertReqs}. */
export type CertReqs = (typeof CertReqs)[keyof typeof CertReqs];

/** TLS settings of one URL. */
export interface RedisTlsSettings {
  certReqs: CertReqs;
  /** PEM file of the CA certificates to trust instead of the system's. */
  caFile?: string;
  /** PEM file of the client certificate (for `tls-auth-clients yes`). */
  certFile?: string;
  /** PEM file of the client certificate's key. */
  keyFile?: string;
  /** Check the host name against the certificate (default true; `ssl_check_hostname`). */
  checkHostname: boolean;
}

const CERT_REQS: Record<string, CertReqs> = {
  required: 'required',
  cert_required: 'required',
  optional: 'optional',
  cert_optional: 'optional',
  none: 'none',
  cert_none: 'none',
};

/**
 * Read the TLS query parameters of `params`; `where` (a masked URL) names the URL in
 * errors. Unknown values are refused, so a typo cannot silently turn verification off.
 */
export function parseTlsParams(params: URLSearchParams, where: string): RedisTlsSettings {
  const reqs = params.get('ssl_cert_reqs') ?? 'required';
  const certReqs = CERT_REQS[reqs.toLowerCase()];
  if (!certReqs) {
    throw new TransportError(
      `Invalid ssl_cert_reqs=${JSON.stringify(reqs)} in ${where}: use required, optional or none`,
    );
  }
  const check = (params.get('ssl_check_hostname') ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(check)) {
    throw new TransportError(
      `Invalid ssl_check_hostname=${JSON.stringify(check)} in ${where}: use true or false`,
    );
  }
  const settings: RedisTlsSettings = {
    certReqs,
    checkHostname: certReqs !== 'none' && ['true', '1', 'yes'].includes(check),
  };
  const ca = params.get('ssl_ca_certs');
  const cert = params.get('ssl_certfile');
  const key = params.get('ssl_keyfile');
  if (ca) settings.caFile = ca;
  if (cert) settings.certFile = cert;
  if (key) settings.keyFile = key;
  return settings;
}

function readPem(file: string, param: string, where: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new TransportError(`Cannot read ${param}=${file} of ${where}: ${reason}`, { cause });
  }
}

/** Node TLS options for `settings`; reads the PEM files now (errors name the file and URL). */
export function tlsConnectionOptions(settings: RedisTlsSettings, where: string): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: settings.certReqs !== 'none' };
  if (settings.caFile) options.ca = readPem(settings.caFile, 'ssl_ca_certs', where);
  if (settings.certFile) options.cert = readPem(settings.certFile, 'ssl_certfile', where);
  if (settings.keyFile) options.key = readPem(settings.keyFile, 'ssl_keyfile', where);
  if (!settings.checkHostname) options.checkServerIdentity = () => undefined;
  return options;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|DEPTH_ZERO/;

/** A one-line reason for a failed connection, saying so when TLS verification failed. */
export function describeConnectError(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TLS_CODES.test(code)) {
    return `TLS certificate check failed (${code}): ${text}`;
  }
  return text || 'unknown error';
}
