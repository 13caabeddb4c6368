/**
 * Signed task messages from Celery's `security_*` settings, for the client that signs
 * and the worker that verifies. `createMessageSecurity` turns the settings Celery's
 * `app.setup_security()` reads into an {@link AuthSerializer}; `verifyTaskMessage` is
 * what a consumer calls on receipt: the decoded task and its signer, or a refusal with
 * one line to log. The bytes are `auth-serializer.ts`'s; this file only names the
 * settings as Celery does and shapes the outcome.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { createAuthSerializer, type AuthSerializer } from './auth-serializer.js';
import type { BrokerMessage } from './broker-message.js';
import type { CertificateSource, CertificateStore } from './certificate.js';
import { DecodeError, SecurityConfigError, SignatureError } from './errors.js';
import {
  decodeTaskMessage,
  type DecodeTaskMessageOptions,
  type TaskMessage,
} from './task-message.js';

/**
 * Celery's security settings. Contents, not paths: this package does no I/O (the
 * `celeriac` front door and CLI read the files, as Celery reads `security_cert_store`).
 */
export interface MessageSecurityOptions {
  /** `security_key`: the signer's RSA private key (PEM text, bytes or a KeyObject). */
  key?: string | Uint8Array | KeyObject;
  /** Passphrase of an encrypted PEM key (Celery has none). */
  keyPassphrase?: string;
  /** `security_certificate`: the signer's certificate, matching `key`. */
  cert?: string | Uint8Array | X509Certificate;
  /**
   * `security_cert_store`: the certificates consumers trust, one entry per file (a
   * bundle contributes each certificate in it). Needed to verify, not to sign.
   */
  store?: CertificateStore | Iterable<CertificateSource>;
  /**
   * What is signed inside the envelope (`setup_security(serializer=…)`): only `json`,
   * Celery's default; celeriac never signs or decodes pickle.
   */
  serializer?: string;
  /** `security_digest`: `sha256` (Celery's default), `sha512`, `sha3_256`, … */
  digest?: string;
  /** Unix ms now, for the certificates' validity; default `Date.now`. */
  now?: () => number;
}

/** Whether `value` is an {@link AuthSerializer} already (rather than settings). */
export function isAuthSerializer(value: unknown): value is AuthSerializer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AuthSerializer>).sign === 'function' &&
    typeof (value as Partial<AuthSerializer>).verify === 'function'
  );
}

/**
 * Celery's `auth` serializer from its `security_*` settings (as `app.setup_security()`
 * builds it). Throws `SecurityConfigError` — one line, at start-up — for settings that
 * cannot work: a serializer other than `json`, unreadable PEM, a non-RSA key, a key that
 * is not the certificate's, an expired signing certificate, an unknown digest.
 *
 * @example
 * ```ts
 * const auth = createMessageSecurity({ key: keyPem, cert: certPem, store: [{ name: 'ca.pem', pem }] });
 * const client = createClient({ transport, security: auth }); // signs every task it sends
 * ```
 */
export function createMessageSecurity(options: MessageSecurityOptions): AuthSerializer {
  const serializer = options.serializer ?? 'json';
  if (serializer !== 'json') {
    throw new SecurityConfigError(
      `security serializer ${JSON.stringify(serializer)} is not supported: celeriac signs ` +
        'and verifies JSON bodies only (Celery\'s default, setup_security(serializer="json"))',
    );
  }
  return createAuthSerializer({
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.keyPassphrase === undefined ? {} : { keyPassphrase: options.keyPassphrase }),
    ...(options.cert === undefined ? {} : { certificate: options.cert }),
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.digest === undefined ? {} : { digest: options.digest }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** Options of {@link verifyTaskMessage}: the decode bounds, and where it came from. */
export interface VerifyTaskMessageOptions extends Omit<DecodeTaskMessageOptions, 'auth'> {
  /** The queue it was taken from, for the refusal line. */
  queue?: string;
}

/** What {@link verifyTaskMessage} found. */
export type TaskVerification =
  | {
      accepted: true;
      task: TaskMessage;
      /** The certificate id of the signer. */
      signer: string;
    }
  | {
      accepted: false;
      /** A `DecodeError`: `SignatureError` (with `reason`), `InputLimitError`, … */
      error: DecodeError;
      /**
       * One line to log: the message's id and task name (when the headers hold them),
       * the queue, and why, e.g. `refused task 5f…(proj.add) from queue celery: body:
       * the signature does not match (bad-signature)`.
       */
      line: string;
    };

function headerText(message: BrokerMessage, name: string): string | undefined {
  const value = message.headers[name];
  return typeof value === 'string' && value.length <= 256 ? value : undefined;
}

/**
 * Check a task message on receipt with `auth` (Celery's `accept_content = ['auth']`):
 * unsigned, malformed, untrusted, expired, not-yet-valid and tampered messages are
 * refused; anything else that cannot be decoded too. Never throws a `DecodeError`: a
 * refusal comes back with the error and one line to log, and the caller rejects the
 * message without requeue and runs nothing. Throws `SecurityConfigError` when `auth` has
 * no certificate store.
 *
 * @example
 * ```ts
 * const verdict = verifyTaskMessage(delivery.message, auth, { queue: delivery.queue });
 * if (!verdict.accepted) {
 *   logger.warn(verdict.line);
 *   await delivery.reject({ requeue: false });
 * } else run(verdict.task); // verdict.signer names who signed it
 * ```
 */
export function verifyTaskMessage(
  message: BrokerMessage,
  auth: AuthSerializer,
  options: VerifyTaskMessageOptions = {},
): TaskVerification {
  if (!auth.verifies) {
    throw new SecurityConfigError('verifying task messages needs a certificate store');
  }
  const { queue, ...decode } = options;
  try {
    const task = decodeTaskMessage(message, { ...decode, auth });
    // decodeTaskMessage with auth only returns verified bodies, which carry a signer.
    return { accepted: true, task, signer: task.signer ?? '' };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const id = headerText(message, 'id');
    const name = headerText(message, 'task');
    const what = id === undefined ? 'a task message' : `task ${id}${name ? ` (${name})` : ''}`;
    const where = queue === undefined ? '' : ` from queue ${queue}`;
    const why = error instanceof SignatureError ? ` (${error.reason})` : '';
    const line = `refused ${what}${where}: ${error.message.replace(/\s+/g, ' ')}${why}`;
    return { accepted: false, error, line };
  }
}
