/**
 * The client's signals, Celery's `before_task_publish` and `after_task_publish`: sent for
 * every task message the client publishes (canvas members and the follow-ups a worker's
 * client sends included), once per message whatever the publish retries do.
 */
import type { BrokerMessage, Route, TaskMessageInit } from '@celeriac/protocol';
import { Signal } from './signal.js';

/** What `beforeTaskPublish` handlers get. */
export interface BeforeTaskPublishPayload {
  /** The task name (Celery's `sender`). */
  readonly taskName: string;
  readonly taskId: string;
  /**
   * The message about to be encoded. Handlers may change it: a key set in
   * `message.headers.extraHeaders` becomes a top-level header (where Celery's handlers
   * write theirs, e.g. a trace context), `message.properties.priority` the priority.
   */
  readonly message: TaskMessageInit;
  /** Where it is published. */
  readonly route: Route;
  /** The queue it is routed to, when known. */
  readonly queue: string | undefined;
}

/** What `afterTaskPublish` handlers get: the message as the broker holds it. */
export interface AfterTaskPublishPayload {
  readonly taskName: string;
  readonly taskId: string;
  /** The encoded message that was published (compressed when it was). */
  readonly message: BrokerMessage;
  readonly route: Route;
  readonly queue: string | undefined;
}

/**
 * Sent before each task message is encoded and published (Celery's
 * `before_task_publish`). The publish waits for the handlers; a throwing one is logged
 * through the client's `logger` and the publish goes on.
 *
 * @example
 * ```ts
 * beforeTaskPublish.connect(({ message }) => {
 *   message.headers.extraHeaders = { ...message.headers.extraHeaders, tenant: 'acme' };
 * });
 * ```
 */
export const beforeTaskPublish = new Signal<BeforeTaskPublishPayload>('before_task_publish');

/**
 * Sent after the broker accepted each task message (Celery's `after_task_publish`); the
 * send resolves once the handlers ran. Not sent when the publish failed.
 */
export const afterTaskPublish = new Signal<AfterTaskPublishPayload>('after_task_publish');
