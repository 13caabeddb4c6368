/**
 * Signatures (celery-wire.md §1.5) carry execution options in Celery's snake_case
 * (`routing_key`, `link_error`, `soft_time_limit`…). These map them to and from
 * {@link SendTaskOptions}, so a signature built here is one Python understands, and a
 * signature received from anywhere can be sent with the options it carries.
 */
import type { SignatureJson, SignatureOptions } from '@celeriac/protocol';
import type { SendTaskOptions, Signatures } from './send-options.js';

/** camelCase send option → snake_case signature option, for the ones that differ. */
const RENAMES = {
  taskId: 'task_id',
  routingKey: 'routing_key',
  exchangeType: 'exchange_type',
  linkError: 'link_error',
  parentId: 'parent_id',
  rootId: 'root_id',
  groupId: 'group_id',
  groupIndex: 'group_index',
  timeLimit: 'time_limit',
  softTimeLimit: 'soft_time_limit',
  ignoreResult: 'ignore_result',
  replyTo: 'reply_to',
  retryPolicy: 'retry_policy',
  deliveryMode: 'delivery_mode',
} as const satisfies Partial<Record<keyof SendTaskOptions, string>>;

/** Options that only make sense in this process. */
const LOCAL_ONLY: ReadonlySet<string> = new Set(['signal', 'links']);

const REVERSE: ReadonlyMap<string, string> = new Map(
  Object.entries(RENAMES).map(([camel, snake]) => [snake, camel]),
);

function toIso(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}

/** Send options as a signature's `options` (snake_case, JSON-safe). */
export function toSignatureOptions(options: SendTaskOptions): SignatureOptions {
  const out: SignatureOptions = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || LOCAL_ONLY.has(key)) continue;
    const name = (RENAMES as Record<string, string>)[key] ?? key;
    if (key === 'eta' || (key === 'expires' && typeof value !== 'number')) {
      out[name] = toIso(value as Date | string);
    } else if (key === 'chain') {
      out[name] = [...(value as unknown[])].reverse();
    } else if (key === 'retryPolicy') {
      const policy = value as NonNullable<SendTaskOptions['retryPolicy']>;
      out[name] = {
        ...(policy.maxRetries === undefined ? {} : { max_retries: policy.maxRetries }),
        ...(policy.intervalStart === undefined ? {} : { interval_start: policy.intervalStart }),
        ...(policy.intervalStep === undefined ? {} : { interval_step: policy.intervalStep }),
        ...(policy.intervalMax === undefined ? {} : { interval_max: policy.intervalMax }),
      };
    } else {
      out[name] = value;
    }
  }
  return out;
}

function isSignatures(value: unknown): value is Signatures {
  return typeof value === 'object' && value !== null;
}

/**
 * A signature's `options` as send options. Unknown keys are dropped, except `headers`
 * which are kept; `retry_policy` is read in kombu's snake_case.
 */
export function fromSignatureOptions(options: SignatureOptions): SendTaskOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    const name = REVERSE.get(key) ?? key;
    if (name === 'retryPolicy' && typeof value === 'object') {
      const p = value as Record<string, unknown>;
      const num = (k: string) => (typeof p[k] === 'number' ? { [k]: p[k] } : {});
      const policy = {
        ...num('max_retries'),
        ...num('interval_start'),
        ...num('interval_step'),
        ...num('interval_max'),
      } as Record<string, number>;
      out[name] = {
        ...(policy['max_retries'] === undefined ? {} : { maxRetries: policy['max_retries'] }),
        ...(policy['interval_start'] === undefined
          ? {}
          : { intervalStart: policy['interval_start'] }),
        ...(policy['interval_step'] === undefined ? {} : { intervalStep: policy['interval_step'] }),
        ...(policy['interval_max'] === undefined ? {} : { intervalMax: policy['interval_max'] }),
      };
    } else if ((name === 'link' || name === 'linkError') && !isSignatures(value)) {
      continue;
    } else if (name === 'chain') {
      // Signatures carry the rest of a chain as the embed does, reversed; send options
      // take it in call order.
      if (Array.isArray(value)) out[name] = [...(value as unknown[])].reverse();
    } else if (KNOWN.has(name)) {
      out[name] = value;
    }
  }
  return out;
}

/** Every key of {@link SendTaskOptions} a signature may carry. */
const KNOWN: ReadonlySet<string> = new Set([
  'countdown',
  'eta',
  'expires',
  'queue',
  'routingKey',
  'exchange',
  'exchangeType',
  'priority',
  'headers',
  'ignoreResult',
  'taskId',
  'shadow',
  'timeLimit',
  'softTimeLimit',
  'link',
  'linkError',
  'parentId',
  'rootId',
  'groupId',
  'groupIndex',
  'chain',
  'chord',
  'retries',
  'retry',
  'compression',
  'replyTo',
  'deliveryMode',
]);

/**
 * A typed signature: plain signature JSON that remembers its task's result type and,
 * for a mutable signature, the type of the parent result it takes as first argument (a
 * chain step, a link callback, a chord body).
 */
export type TaskSignature<TResult = unknown, TInput = unknown> = SignatureJson & {
  /** Type-only marker; never present at runtime. */
  readonly __result?: TResult;
  /** Type-only marker; never present at runtime. */
  readonly __input?: TInput;
};
