/**
 * @celeriac/protocol — Celery 5.2's wire protocol for TypeScript: task messages (v2
 * encode; v2, v1 and hybrid decode), signatures and canvas JSON, result meta and exception
 * encoding, events, remote-control messages, kombu-exact JSON and compression, task
 * contracts (name + zod schemas), error classes, and the Transport and ResultBackend
 * interfaces the broker packages implement. Security: Celery's `auth` serializer
 * (`createAuthSerializer`, signed bodies both ways), remote-control authorization with
 * the cluster's control key (`signControlRequest`, `createControlAuthorizer`), and bounds
 * on hostile input (`maxMessageBytes`, `maxJsonDepth`, capped decompression). Event and
 * document contracts (`defineEvent`, `defineDocument`), subscriptions with topic patterns
 * (`defineSubscription`) and the dedup record's interface (`claimDedup`). Pure: no I/O.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import {
 *   decodeTaskMessage,
 *   defineTask,
 *   encodeTaskMessage,
 *   parseResultMeta,
 *   resultMetaError,
 *   uuid4,
 * } from '@celeriac/protocol';
 *
 * // A contract both sides import: name + schemas.
 * const add = defineTask('proj.add', {
 *   args: z.tuple([z.number(), z.number()]),
 *   result: z.number(),
 * });
 *
 * // Producer: the message Celery 5.2.6 would publish for add.delay(2, 3).
 * const message = encodeTaskMessage({
 *   headers: { task: add.name, id: uuid4(), origin: 'gen42@example' },
 *   args: [2, 3],
 * });
 * console.log(message.headers['argsrepr']); // (2, 3)
 *
 * // Consumer: refuse pickle & co, decode v2/v1, validate against the contract.
 * const task = decodeTaskMessage(message, { accept: ['application/json'] });
 * const { args } = add.parseArgs(task.args, task.kwargs);
 * console.log(args[0] + args[1]); // 5
 *
 * // Client: a stored FAILURE becomes a RemoteTaskError.
 * const meta = parseResultMeta(
 *   '{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["boom"], ' +
 *     '"exc_module": "builtins"}, "traceback": null, "children": [], ' +
 *     '"date_done": "2026-11-23T21:17:05.094737", "task_id": "t1"}',
 * );
 * console.log(resultMetaError(meta)?.message); // ValueError: boom (task t1)
 * ```
 *
 * @packageDocumentation
 */
export { AuthContent, createAuthSerializer } from './auth-serializer.js';
export type { AuthSerializer, AuthSerializerOptions, SignedBody } from './auth-serializer.js';
export { ClaimOutcome } from './beat-coordination.js';
export type {
  BeatCoordination,
  ClaimResult,
  EntryRun,
  LeaderInfo,
  LeaderLease,
  RunClaim,
  StoredEntries,
  StoredEntry,
  StoredEntryDefinition,
} from './beat-coordination.js';
export type { BrokerMessage, MessageProperties, Route } from './broker-message.js';
export { CertificateStore, certificateId, readCertificates } from './certificate.js';
export type { CertificateSource, TrustedCertificate } from './certificate.js';
export {
  CompressionType,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compress,
  compressionType,
  decompress,
} from './compression.js';
export type { CompressionName } from './compression.js';
export {
  CONTROL_SIGNATURE_HEADER,
  DEFAULT_CONTROL_WINDOW_MS,
  MIN_CONTROL_KEY_BYTES,
  controlKeyBytes,
  controlSender,
  createControlAuthorizer,
  signControlRequest,
  verifyControlRequest,
} from './control-auth.js';
export type {
  ControlAuthorizer,
  ControlAuthorizerOptions,
  ControlKey,
  ControlSignature,
  ControlVerdict,
  SignControlRequestOptions,
  VerifyControlRequestOptions,
} from './control-auth.js';
export {
  CHANGING_CONTROL_COMMANDS,
  ControlCommandKind,
  READ_ONLY_CONTROL_COMMANDS,
  controlCommandKind,
} from './control-commands.js';
export {
  CeleriacError,
  ClosedError,
  ConnectionLostError,
  ContentDisallowedError,
  ControlAuthorizationError,
  ControlRefusal,
  DecodeError,
  EncodeError,
  ErrorCode,
  InputLimit,
  InputLimitError,
  MessageTooLargeError,
  PublishError,
  RemoteTaskError,
  SecurityConfigError,
  SignatureError,
  SignatureRefusal,
  TimeoutError,
  TransportError,
  ValidationError,
} from './errors.js';
export type { ValidationIssue } from './errors.js';
export { formatDateDone, formatIsoDate, parseIsoDate, parseOptionalIsoDate } from './dates.js';
export { DEFAULT_DEDUP_TTL_SECONDS, MAX_DEDUP_KEY_LENGTH, assertDedupKey } from './dedup.js';
export type { DedupClaim } from './dedup.js';
export {
  EVENT_EXCHANGE,
  EventType,
  TASK_MULTI_ROUTING_KEY,
  createEvent,
  decodeEventMessage,
  encodeEventMessage,
  eventRoutingKey,
  utcoffset,
} from './events.js';
export type {
  CeleryEvent,
  EventCommon,
  EventMessage,
  EventSource,
  TaskEvent,
  TaskEventFields,
  WorkerEvent,
  WorkerEventFields,
} from './events.js';
export {
  RevokeReason,
  errorToExceptionInfo,
  formatTraceback,
  isExceptionInfo,
  notRegisteredInfo,
  softTimeLimitExceededInfo,
  taskRevokedInfo,
  timeLimitExceededInfo,
  workerLostInfo,
} from './exception-info.js';
export { encodeJson, jsonDate, parseJson, pythonJsonString, pythonNumber } from './json.js';
export type { JsonValue, ParseJsonOptions } from './json.js';
export { DEFAULT_MAX_JSON_DEPTH, assertJsonDepth, jsonDepthOverflow } from './json-depth.js';
export { MessageKind, defineDocument, defineEvent } from './message-contract.js';
export type {
  AnyMessageContract,
  DocumentContract,
  EventContract,
  MessageContract,
  PayloadOf,
} from './message-contract.js';
export { createMessageSecurity, isAuthSerializer, verifyTaskMessage } from './message-security.js';
export type {
  MessageSecurityOptions,
  TaskVerification,
  VerifyTaskMessageOptions,
} from './message-security.js';
export type {
  ChordPart,
  ChordPartOutcome,
  GroupMeta,
  ResultBackend,
  StoreContext,
  WaitOptions,
} from './result-backend.js';
export {
  Pidbox,
  decodeControlReply,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
  errorReply,
  matchesDestination,
  okReply,
} from './remote-control.js';
export type {
  ControlReply,
  ControlRequest,
  EncodeControlRequestOptions,
} from './remote-control.js';
export {
  decodeExceptionInfo,
  decodeResultMeta,
  encodeExceptionInfo,
  encodeResultMeta,
  parseResultMeta,
  pendingResultMeta,
  resultMetaError,
  serializeResultMeta,
} from './result-meta.js';
export type {
  DecodeResultMetaOptions,
  ExceptionInfo,
  ExceptionInfoJson,
  ResultMeta,
} from './result-meta.js';
export { PyTuple, REPR_MAXSIZE, argsRepr, kwargsRepr, saferepr } from './saferepr.js';
export {
  ContentType,
  DEFAULT_ACCEPT,
  DEFAULT_MAX_BODY_BYTES,
  decodeBody,
  decodeSignedBody,
  encodeBody,
  finishBody,
  normalizeAccept,
} from './serialization.js';
export type {
  DecodeBodyOptions,
  DecodedBody,
  EncodeBodyOptions,
  EncodedBody,
} from './serialization.js';
export {
  CanvasTask,
  SubtaskType,
  chainSignature,
  chordSignature,
  decodeSignature,
  decodeSignatureList,
  encodeSignature,
  groupSignature,
  signature,
} from './signature.js';
export type { SignatureInit, SignatureJson, SignatureOptions } from './signature.js';
export {
  EXCEPTION_STATES,
  PROPAGATE_STATES,
  READY_STATES,
  TaskState,
  isReady,
  statePrecedence,
} from './states.js';
export type { BuiltinTaskState, TaskStateName } from './states.js';
export {
  TASK_HEADER_KEYS,
  anonNodename,
  decodeTaskHeaders,
  encodeTaskHeaders,
} from './task-headers.js';
export type { TaskHeaders, TaskHeadersInit, TimeLimits } from './task-headers.js';
export {
  MESSAGE_HEADER,
  PUBLISH_QUEUE,
  PUBLISH_TASK,
  defineSubscriberTask,
  defineSubscription,
  matchSubscriptions,
  readMessageHeader,
  subscriptionTaskId,
} from './subscription.js';
export type {
  MessageHeader,
  MessageSubscription,
  MessageSubscriptionOptions,
} from './subscription.js';
export { defineTask, zodIssues } from './task-contract.js';
export type {
  ArgsOf,
  ArgsSchema,
  KwargsOf,
  KwargsSchema,
  ResultOf,
  TaskContract,
  TaskContractOptions,
  TaskContractSpec,
} from './task-contract.js';
export { TaskProtocol, decodeTaskMessage, encodeTaskMessage } from './task-message.js';
export type {
  DecodeTaskMessageOptions,
  EncodeTaskMessageOptions,
  TaskEmbed,
  TaskMessage,
  TaskMessageInit,
} from './task-message.js';
export { MAX_TOPIC_LENGTH, assertTopic, compileTopic, topicMatches } from './topic-pattern.js';
export type { TopicMatcher } from './topic-pattern.js';
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
export { NAMESPACE_OID, generateOid, uuid3, uuid4 } from './uuid.js';
