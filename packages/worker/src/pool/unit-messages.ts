/**
 * The messages between the worker and a thread or process unit, and how outcomes and
 * errors cross that boundary: structured cloning to a thread (`postMessage`), JSON to a
 * process (`fork`'s IPC; measured faster than `serialization: 'advanced'`, and results
 * are stored as JSON anyway). Neither keeps classes: an error travels as its name,
 * message, stack and Python identity and is rebuilt as an `Error` carrying them;
 * `Retry`, `Reject` and `Replace` are rebuilt as themselves.
 */
import type { SignatureJson } from '@celeriac/protocol';
import { Reject, Replace, Retry } from '../errors.js';
import type { DeliveryInfo } from '../task-context.js';
import type { ExecutionOutcome } from './outcome.js';

/** What a unit needs of a task's options to run and classify it. */
export interface UnitTaskPolicy {
  readonly maxRetries: number | null;
  readonly defaultRetryDelay: number;
  readonly retryBackoff: boolean | number;
  readonly retryBackoffMax: number;
  readonly retryJitter: boolean;
}

/** Worker → unit: run one request. */
export interface RunMessage {
  readonly type: 'run';
  readonly taskId: string;
  readonly name: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly retries: number;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly groupId: string | null;
  readonly headers: Record<string, unknown>;
  readonly hostname: string;
  readonly deliveryInfo: DeliveryInfo;
  /** Soft time limit in seconds (the unit aborts `ctx.signal`), or null. */
  readonly soft: number | null;
  readonly policy: UnitTaskPolicy;
}

/** Worker → unit. */
export type ToUnit =
  | RunMessage
  /** `ctx.updateState` of request `seq` was stored (or failed with `error`). */
  | { readonly type: 'stored'; readonly seq: number; readonly error?: string };

/** Unit → worker. */
export type FromUnit =
  | { readonly type: 'ready'; readonly pid: number; readonly threadId: number }
  | { readonly type: 'start-failed'; readonly message: string }
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      readonly message: string;
      readonly fields: Record<string, unknown> | undefined;
    }
  | { readonly type: 'state'; readonly seq: number; readonly state: string; readonly meta: unknown }
  /** The run ended; `memoryKiB`: RSS (process) or V8 heap used (thread) after it. */
  | { readonly type: 'done'; readonly outcome: EncodedOutcome; readonly memoryKiB: number };

/** An error as it crosses the boundary. */
export interface EncodedError {
  readonly thrown: 'error' | 'value';
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly excType: string | undefined;
  readonly excModule: string | undefined;
  readonly excArgs: unknown[] | undefined;
  readonly cause: EncodedError | undefined;
  /** A non-Error thrown value, as is (when it clones). */
  readonly value?: unknown;
}

/** An outcome a unit can produce, as it crosses the boundary. */
export type EncodedOutcome =
  | { readonly kind: 'success'; readonly value: unknown }
  | { readonly kind: 'failure'; readonly error: EncodedError }
  | {
      readonly kind: 'retry';
      readonly message: string;
      readonly exc: EncodedError | undefined;
      readonly when: number;
    }
  | { readonly kind: 'rejected'; readonly reason: string; readonly requeue: boolean }
  | { readonly kind: 'replaced'; readonly signature: SignatureJson };

/** Encode a thrown value (depth-limited along `cause`). */
export function encodeError(error: unknown, depth = 0): EncodedError {
  if (!(error instanceof Error)) {
    return {
      thrown: 'value',
      name: 'Error',
      message: String(error),
      stack: undefined,
      excType: undefined,
      excModule: undefined,
      excArgs: undefined,
      cause: undefined,
      value: cloneable(error) ? error : String(error),
    };
  }
  const identity = error as Error & { excType?: unknown; excModule?: unknown; excArgs?: unknown };
  return {
    thrown: 'error',
    name: error.name,
    message: error.message,
    stack: error.stack,
    excType: typeof identity.excType === 'string' ? identity.excType : undefined,
    excModule: typeof identity.excModule === 'string' ? identity.excModule : undefined,
    excArgs:
      Array.isArray(identity.excArgs) && cloneable(identity.excArgs) ? identity.excArgs : undefined,
    cause: error.cause !== undefined && depth < 8 ? encodeError(error.cause, depth + 1) : undefined,
  };
}

/** Rebuild an encoded error: an `Error` with the original's name, stack and identity. */
export function decodeError(encoded: EncodedError): unknown {
  if (encoded.thrown === 'value') return encoded.value;
  const error = new Error(
    encoded.message,
    encoded.cause ? { cause: decodeError(encoded.cause) } : undefined,
  );
  error.name = encoded.name;
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  const identity = error as Error & Record<string, unknown>;
  if (encoded.excType !== undefined) identity['excType'] = encoded.excType;
  if (encoded.excModule !== undefined) identity['excModule'] = encoded.excModule;
  if (encoded.excArgs !== undefined) identity['excArgs'] = encoded.excArgs;
  return error;
}

/** Encode an outcome produced in a unit. */
export function encodeOutcome(outcome: ExecutionOutcome): EncodedOutcome {
  switch (outcome.kind) {
    case 'success':
      return { kind: 'success', value: outcome.value };
    case 'retry': {
      const { retry } = outcome;
      return {
        kind: 'retry',
        message: retry.message,
        exc: retry.exc === undefined ? undefined : encodeError(retry.exc),
        when: retry.when,
      };
    }
    case 'rejected':
      return {
        kind: 'rejected',
        reason: outcome.reject.message,
        requeue: outcome.reject.requeue,
      };
    case 'replaced':
      return { kind: 'replaced', signature: outcome.replace.signature };
    case 'failure':
      return { kind: 'failure', error: encodeError(outcome.error) };
    default:
      // Units produce none of the others (they come from the worker's side).
      return { kind: 'failure', error: encodeError(new Error(`unexpected ${outcome.kind}`)) };
  }
}

/** Rebuild an outcome sent by a unit. */
export function decodeOutcome(encoded: EncodedOutcome): ExecutionOutcome {
  switch (encoded.kind) {
    case 'success':
      return { kind: 'success', value: encoded.value };
    case 'failure':
      return { kind: 'failure', error: decodeError(encoded.error) };
    case 'retry':
      return {
        kind: 'retry',
        retry: new Retry(
          encoded.message,
          encoded.exc === undefined ? undefined : decodeError(encoded.exc),
          encoded.when,
        ),
      };
    case 'rejected':
      return { kind: 'rejected', reject: new Reject(encoded.reason, { requeue: encoded.requeue }) };
    case 'replaced':
      return { kind: 'replaced', replace: new Replace(encoded.signature) };
  }
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
