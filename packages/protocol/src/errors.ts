/**
 * Error classes shared by every celeriac package. Each has a stable string `code` so
 * callers branch on `err.code`, never on message text, and keeps its `cause`.
 */
import type { ExceptionInfo } from './result-meta.js';

/** Stable codes of {@link CeleriacError} subclasses. */
export const ErrorCode = {
  decode: 'ERR_DECODE',
  contentDisallowed: 'ERR_CONTENT_DISALLOWED',
  encode: 'ERR_ENCODE',
  transport: 'ERR_TRANSPORT',
  connectionLost: 'ERR_CONNECTION_LOST',
  publish: 'ERR_PUBLISH',
  closed: 'ERR_CLOSED',
  timeout: 'ERR_TIMEOUT',
  notRegistered: 'ERR_NOT_REGISTERED',
  validation: 'ERR_VALIDATION',
  remote: 'ERR_REMOTE_TASK',
  messageTooLarge: 'ERR_MESSAGE_TOO_LARGE',
  inputLimit: 'ERR_INPUT_LIMIT',
  signature: 'ERR_SIGNATURE',
  controlUnauthorized: 'ERR_CONTROL_UNAUTHORIZED',
  securityConfig: 'ERR_SECURITY_CONFIG',
} as const;
/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Base class of every error celeriac throws on purpose, in every package: catch
 * `CeleriacError` and branch on `code`. Packages with codes of their own (the worker's,
 * the client's) pass their code union as `C`.
 */
export class CeleriacError<C extends string = ErrorCode> extends Error {
  /** Stable identifier of the kind of failure. */
  readonly code: C;
  /** Whether trying the same thing again can succeed (a retry makes sense). */
  readonly retryable: boolean;

  constructor(code: C, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options?.retryable ?? false;
    this.name = new.target.name;
  }
}

/**
 * A message (or part of one) could not be decoded. `path` says where, e.g.
 * `headers.timelimit[0]` or `body[1]`, and the message says why.
 */
export class DecodeError extends CeleriacError {
  /** Where in the message the problem is, as a dotted path; empty for the whole message. */
  readonly path: string;
  /**
   * @param code - `ERR_DECODE`; subclasses that refuse for a more specific reason
   *   ({@link InputLimitError}, {@link SignatureError}) pass their own, so that code which
   *   rejects every `DecodeError` without requeue handles them too.
   */
  constructor(
    path: string,
    reason: string,
    options?: { cause?: unknown },
    code: ErrorCode = ErrorCode.decode,
  ) {
    super(code, path ? `${path}: ${reason}` : reason, options);
    this.path = path;
  }
}

/** Which bound on hostile input an {@link InputLimitError} hit. */
export const InputLimit = {
  /** The body as it arrived (still compressed, if it is). */
  messageBytes: 'messageBytes',
  /** The body after decompression. */
  decompressedBytes: 'decompressedBytes',
  /** How deeply JSON arrays and objects nest. */
  jsonDepth: 'jsonDepth',
} as const;
/** One of the values of {@link InputLimit}. */
export type InputLimit = (typeof InputLimit)[keyof typeof InputLimit];

/**
 * A message was refused because it is bigger or deeper than the decoder allows, before
 * the work (inflating, parsing) that would have cost the memory. A `DecodeError`: the
 * message is rejected without requeue; the same bytes fail the same way.
 */
export class InputLimitError extends DecodeError {
  /** Which bound was hit. */
  readonly limit: InputLimit;
  /** The bound (bytes or nesting levels). */
  readonly max: number;
  constructor(
    path: string,
    limit: InputLimit,
    max: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(path, reason, options, ErrorCode.inputLimit);
    this.limit = limit;
    this.max = max;
  }
}

/** Why a signed (Celery `auth` serializer) message was refused. */
export const SignatureRefusal = {
  /** Not signed at all, where only signed messages are accepted. */
  unsigned: 'unsigned',
  /** Not in the `auth` serializer's format (bad base64, missing fields). */
  malformed: 'malformed',
  /** Signed by a certificate that is not in the store. */
  untrusted: 'untrusted',
  /** The signer's certificate is past its `notAfter`. */
  expired: 'expired',
  /** The signer's certificate is before its `notBefore`. */
  notYetValid: 'not-yet-valid',
  /** The signature does not match the body: tampered, or signed with another key. */
  badSignature: 'bad-signature',
  /** Signed and verified, but the signed payload is a content type celeriac never decodes. */
  disallowedContent: 'disallowed-content',
} as const;
/** One of the values of {@link SignatureRefusal}. */
export type SignatureRefusal = (typeof SignatureRefusal)[keyof typeof SignatureRefusal];

/**
 * A message was refused by the `auth` serializer's checks. The message is one line
 * saying what was wrong (`body: signed by "… 4096" which is not in the certificate
 * store`); `reason` says which check failed, for code to branch on; `signer` names the certificate the message claims (Celery's
 * `"<issuer values> <serial>"`), when one could be read.
 */
export class SignatureError extends DecodeError {
  /** Which check failed. */
  readonly reason: SignatureRefusal;
  /** The claimed signer's certificate id, when the message names one. */
  readonly signer: string | undefined;
  constructor(
    reason: SignatureRefusal,
    detail: string,
    options: { signer?: string; cause?: unknown } = {},
  ) {
    super(
      'body',
      detail,
      options.cause === undefined ? undefined : { cause: options.cause },
      ErrorCode.signature,
    );
    this.reason = reason;
    this.signer = options.signer;
  }
}

/** Why a remote-control command was refused (see `control-auth.ts`). */
export const ControlRefusal = {
  /** The worker has no control key, so it runs no changing command. */
  noKey: 'no-key',
  /** A changing command without a signature. */
  unsigned: 'unsigned',
  /** The signature header is there but not in the expected form. */
  malformed: 'malformed',
  /** The signature does not match the body: tampered, or another key. */
  badSignature: 'bad-signature',
  /** Signed too long ago (or too far in the future) for the replay window. */
  outsideWindow: 'outside-window',
  /** A signature already seen within the window: the same message sent again. */
  replayed: 'replayed',
} as const;
/** One of the values of {@link ControlRefusal}. */
export type ControlRefusal = (typeof ControlRefusal)[keyof typeof ControlRefusal];

/**
 * A remote-control command that changes a worker was refused. One line, naming the
 * command, the sender as far as the message tells (its reply queue), and the reason:
 * `refused control command "shutdown" from caller 292e42e8-…: unsigned (…)`.
 */
export class ControlAuthorizationError extends CeleriacError {
  /** Which check failed. */
  readonly reason: ControlRefusal;
  /** The command, when known. */
  readonly method: string | undefined;
  /** Who sent it, as far as the message tells. */
  readonly sender: string | undefined;
  constructor(
    reason: ControlRefusal,
    detail: string,
    options: { method?: string; sender?: string } = {},
  ) {
    const what =
      options.method === undefined
        ? 'control request'
        : `control command ${JSON.stringify(options.method)}`;
    const from = options.sender === undefined ? '' : ` from ${options.sender}`;
    super(ErrorCode.controlUnauthorized, `refused ${what}${from}: ${reason} (${detail})`);
    this.reason = reason;
    this.method = options.method;
    this.sender = options.sender;
  }
}

/**
 * Keys, certificates or a control key that cannot be used: unreadable PEM, a key that is
 * not RSA, a private key that does not match its certificate, a control key too short.
 * Raised when security is set up, so a misconfigured worker or client fails at start.
 */
export class SecurityConfigError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.securityConfig, message, options);
  }
}

/** A content type that is not in the accept list (pickle, yaml, …) was refused. */
export class ContentDisallowedError extends CeleriacError {
  /** The refused content type. */
  readonly contentType: string;
  constructor(contentType: string, accepted: readonly string[]) {
    super(
      ErrorCode.contentDisallowed,
      `Refusing to deserialize untrusted content of type ${JSON.stringify(contentType)} ` +
        `(accepted: ${accepted.join(', ') || 'none'})`,
    );
    this.contentType = contentType;
  }
}

/** A value cannot be put on the wire in the chosen serialization. */
export class EncodeError extends CeleriacError {
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.encode, path ? `${path}: ${reason}` : reason, options);
  }
}

/** A broker or result store failed; `retryable` tells whether reconnecting may help. */
export class TransportError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(ErrorCode.transport, message, options);
  }
}

/** The connection to a broker or store went away while an operation needed it. */
export class ConnectionLostError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.connectionLost, message, { ...options, retryable: true });
  }
}

/** A publish was not confirmed by the broker (nacked, unroutable, or timed out). */
export class PublishError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(ErrorCode.publish, message, options);
  }
}

/** An operation was called on a handle that is closed or closing. */
export class ClosedError extends CeleriacError {
  constructor(what: string) {
    super(ErrorCode.closed, `${what} is closed`);
  }
}

/** Waiting for something (a result, a confirm, a reply) took longer than allowed. */
export class TimeoutError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.timeout, message, { ...options, retryable: true });
  }
}

/** A message is larger than the broker or the configured limit accepts. */
export class MessageTooLargeError extends CeleriacError {
  /** Encoded size in bytes. */
  readonly size: number;
  /** The limit in bytes that was exceeded. */
  readonly limit: number;
  constructor(what: string, size: number, limit: number) {
    super(
      ErrorCode.messageTooLarge,
      `${what} is ${size} bytes after encoding and compression, over the limit of ${limit} bytes`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/** One problem found while validating a value against a schema. */
export interface ValidationIssue {
  /** Where, e.g. `args[1]` or `kwargs.when`. */
  path: string;
  message: string;
}

/**
 * Task arguments or a result did not match the task's contract. Not retryable: the same
 * arguments fail the same way. The message lists every issue with its path, e.g.
 * `args[1]: expected number, received string`.
 */
export class ValidationError extends CeleriacError {
  /** The individual problems, in order. */
  readonly issues: readonly ValidationIssue[];
  constructor(what: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(
      ErrorCode.validation,
      `${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      { ...options, retryable: false },
    );
    this.issues = issues;
  }
}

/**
 * A task failed (or was revoked) on a worker; what a client throws when it reads a FAILURE
 * or REVOKED result. Carries the exception as Celery encoded it, so a TypeScript caller
 * can branch on `excType`/`excModule` just as a Python caller would on the class.
 */
export class RemoteTaskError extends CeleriacError {
  /** Exception class name, e.g. `ValueError`, `NotRegistered`, or a TypeScript error name. */
  readonly excType: string;
  /** Python module of the class, e.g. `builtins`, `celery.exceptions`. */
  readonly excModule: string;
  /** The exception's arguments (`exc.args`). */
  readonly excMessage: readonly unknown[];
  /** The worker's formatted traceback or stack, when it sent one. */
  readonly traceback: string | null;
  /** The failed task's id, when known. */
  readonly taskId: string | undefined;

  constructor(
    info: ExceptionInfo,
    options: { traceback?: string | null; taskId?: string; cause?: unknown } = {},
  ) {
    const args = info.excMessage
      .map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))
      .join(', ');
    const qualified =
      info.excModule && info.excModule !== 'builtins'
        ? `${info.excModule}.${info.excType}`
        : info.excType;
    const where = options.taskId === undefined ? '' : ` (task ${options.taskId})`;
    super(ErrorCode.remote, `${qualified}: ${args}${where}`, { cause: options.cause });
    this.excType = info.excType;
    this.excModule = info.excModule;
    this.excMessage = info.excMessage;
    this.traceback = options.traceback ?? null;
    this.taskId = options.taskId;
  }

  /** The {@link ExceptionInfo} this error was built from. */
  toExceptionInfo(): ExceptionInfo {
    return { excType: this.excType, excMessage: [...this.excMessage], excModule: this.excModule };
  }
}
