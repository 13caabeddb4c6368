/**
 * @celeriac/protocol — Celery's wire protocol (task messages v2, results, exceptions,
 * serializers) and the Transport and ResultBackend interfaces. Pure: no I/O.
 *
 * @example
 * ```ts
 * import { TaskState, isReady } from '@celeriac/protocol';
 *
 * console.log(isReady(TaskState.SUCCESS)); // true
 * ```
 *
 * @packageDocumentation
 */
export type { BrokerMessage, MessageProperties, Route } from './broker-message.js';
export {
  CompressionType,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compress,
  compressionType,
  decompress,
} from './compression.js';
export type { CompressionName } from './compression.js';
export {
  CeleriacError,
  ClosedError,
  ConnectionLostError,
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  ErrorCode,
  MessageTooLargeError,
  PublishError,
  TimeoutError,
  TransportError,
} from './errors.js';
export { encodeJson, jsonDate, parseJson, pythonJsonString, pythonNumber } from './json.js';
export type { JsonValue } from './json.js';
export type { GroupMeta, ResultBackend, StoreContext, WaitOptions } from './result-backend.js';
export type { ExceptionInfo, ResultMeta } from './result-meta.js';
export { PyTuple, REPR_MAXSIZE, argsRepr, kwargsRepr, saferepr } from './saferepr.js';
export {
  ContentType,
  DEFAULT_ACCEPT,
  decodeBody,
  encodeBody,
  finishBody,
  normalizeAccept,
} from './serialization.js';
export type { DecodeBodyOptions, EncodeBodyOptions, EncodedBody } from './serialization.js';
export {
  EXCEPTION_STATES,
  PROPAGATE_STATES,
  READY_STATES,
  TaskState,
  isReady,
  statePrecedence,
} from './states.js';
export type { BuiltinTaskState, TaskStateName } from './states.js';
export { ExchangeType, TransportStatus } from './transport.js';
export type {
  Binding,
  ConsumeOptions,
  Delivery,
  ExchangeSpec,
  PublishOptions,
  QueueSpec,
  Subscription,
  Transport,
  TransportStatusEvent,
} from './transport.js';
