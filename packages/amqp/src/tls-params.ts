/**
 * TLS settings in a broker URL, with kombu's names (Celery's `broker_use_ssl` keys as query
 * parameters): `amqps://…?ssl_ca_certs=/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k.pem&ssl_cert_reqs=CERT_REQUIRED`.
 * The files are read at every connection attempt, so renewed certificates are picked up.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { AmqpUrlError } from './errors.js';

/** Whether and how the server's certificate is checked (Python's `ssl.CERT_*`). */
export type CertReqs = 'CERT_NONE' | 'CERT_OPTIONAL' | 'CERT_REQUIRED';

/** TLS settings of one URL entry. */
export interface UrlTls {
  /** `ssl_ca_certs`: PEM file of the CAs trusted for the server's certificate. */
  readonly caCerts?: string;
  /** `ssl_certfile`: PEM client certificate (for brokers that require one). */
  readonly certfile?: string;
  /** `ssl_keyfile`: PEM key of the client certificate. */
  readonly keyfile?: string;
  /** `ssl_cert_reqs`: `CERT_NONE` turns verification off; default `CERT_REQUIRED`. */
  readonly certReqs?: CertReqs;
  /** `ssl_check_hostname=false`: verify the chain but not the host name. */
  readonly checkHostname?: boolean;
  /** `ssl_server_hostname`: the name to check (and send as SNI) instead of the URL's host. */
  readonly serverHostname?: string;
}

const CERT_REQS: Readonly<Record<string, CertReqs>> = {
  cert_none: 'CERT_NONE',
  none: 'CERT_NONE',
  '0': 'CERT_NONE',
  cert_optional: 'CERT_OPTIONAL',
  optional: 'CERT_OPTIONAL',
  '1': 'CERT_OPTIONAL',
  cert_required: 'CERT_REQUIRED',
  required: 'CERT_REQUIRED',
  '2': 'CERT_REQUIRED',
};

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * The TLS parameters of a URL's query, undefined when it has none. `ssl=true` asks for TLS
 * on an `amqp://` URL, as kombu's `?ssl=1` does; returns whether TLS is asked for.
 */
export function parseTlsParams(
  params: URLSearchParams,
  url: string,
): { tls?: UrlTls; sslRequested: boolean } {
  const tls: { -readonly [K in keyof UrlTls]: UrlTls[K] } = {};
  const ca = params.get('ssl_ca_certs') ?? params.get('ssl_ca_cert');
  if (ca !== null) tls.caCerts = ca;
  const cert = params.get('ssl_certfile');
  if (cert !== null) tls.certfile = cert;
  const key = params.get('ssl_keyfile');
  if (key !== null) tls.keyfile = key;
  const reqs = params.get('ssl_cert_reqs');
  if (reqs !== null) {
    const value = CERT_REQS[reqs.toLowerCase()];
    if (value === undefined) {
      throw new AmqpUrlError(
        url,
        `ssl_cert_reqs=${JSON.stringify(reqs)} is not CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED`,
      );
    }
    tls.certReqs = value;
  }
  const check = params.get('ssl_check_hostname');
  if (check !== null) tls.checkHostname = flag('ssl_check_hostname', check, url);
  const server = params.get('ssl_server_hostname');
  if (server !== null) tls.serverHostname = server;
  if ((tls.certfile === undefined) !== (tls.keyfile === undefined)) {
    throw new AmqpUrlError(url, 'ssl_certfile and ssl_keyfile go together: give both or neither');
  }
  const ssl = params.get('ssl');
  const sslRequested = ssl !== null && flag('ssl', ssl, url);
  return Object.keys(tls).length === 0 ? { sslRequested } : { tls, sslRequested };
}

function flag(name: string, raw: string, url: string): boolean {
  const value = raw.toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new AmqpUrlError(url, `${name}=${JSON.stringify(raw)} is not true or false`);
}

async function readPem(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `${name} ${path} cannot be read (${typeof code === 'string' ? code : 'error'})`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Node's TLS options for a URL's TLS parameters over `base` (the transport's `tls` option,
 * which wins where both say something). Throws a one-line error when a file cannot be read.
 */
export async function tlsSocketOptions(
  tls: UrlTls | undefined,
  base: TlsOptions = {},
): Promise<Record<string, unknown>> {
  if (tls === undefined) return { ...base };
  const options: Record<string, unknown> = {};
  if (tls.caCerts !== undefined) options.ca = await readPem('ssl_ca_certs', tls.caCerts);
  if (tls.certfile !== undefined) options.cert = await readPem('ssl_certfile', tls.certfile);
  if (tls.keyfile !== undefined) options.key = await readPem('ssl_keyfile', tls.keyfile);
  if (tls.certReqs === 'CERT_NONE') options.rejectUnauthorized = false;
  if (tls.checkHostname === false) options.checkServerIdentity = () => undefined;
  if (tls.serverHostname !== undefined) options.servername = tls.serverHostname;
  return { ...options, ...base };
}
