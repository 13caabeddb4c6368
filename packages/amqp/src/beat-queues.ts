/**
 * The queues of a beat namespace on RabbitMQ, their declaration, and the bootstrap token.
 */
import type { Channel } from 'amqplib';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { EMPTY_STATE, encodeState } from './beat-state.js';
import type { BeatQueues } from './beat-token-slot.js';

/** Options of {@link createAmqpBeatCoordination}. */
export interface AmqpBeatCoordinationOptions {
  /** Which beat this connection coordinates; replicas sharing it elect one leader. Default `celeriac`. */
  namespace?: string;
  /**
   * `classic` (default) or `quorum`: the type of the namespace's two queues. Use `quorum` on
   * a cluster, so that the token and the state survive the loss of a node.
   */
  queueType?: 'classic' | 'quorum';
  /**
   * AMQP heartbeat in seconds (default 5): the broker takes the token from a hung or cut-off
   * leader after about two missed heartbeats. Keep it at most `leaseMs / 2000`.
   */
  heartbeatSeconds?: number;
  /** How long a request to the token holder may take (default 5,000 ms). */
  requestTimeoutMs?: number;
  /** Bound on connecting to one host (default 10,000 ms). */
  connectTimeoutMs?: number;
  /** TLS options for `amqps://` URLs. */
  tls?: TlsOptions;
}

/** The queue names of `namespace`: `celeriac.beat.<ns>.leader` and `.commands`. */
export function beatCoordinationQueues(namespace: string): BeatQueues {
  return {
    leader: `celeriac.beat.${namespace}.leader`,
    commands: `celeriac.beat.${namespace}.commands`,
  };
}

/**
 * Declare both queues, and publish the bootstrap token when the leader queue has neither a
 * message nor a consumer (a namespace never used, or one whose queues were deleted). Two
 * replicas racing here leave two empty tokens: the first holder's first commit drops the
 * other (its `seq` is lower).
 */
export async function declareBeatQueues(
  channel: Channel,
  queues: BeatQueues,
  queueType: 'classic' | 'quorum' = 'classic',
): Promise<void> {
  const args = { 'x-queue-type': queueType };
  const leader = await channel.assertQueue(queues.leader, {
    durable: true,
    arguments: { ...args, 'x-single-active-consumer': true },
  });
  await channel.assertQueue(queues.commands, { durable: true, arguments: args });
  if (leader.messageCount === 0 && leader.consumerCount === 0) {
    channel.sendToQueue(queues.leader, encodeState({ ...EMPTY_STATE, id: randomUUID() }), {
      persistent: true,
      contentType: 'application/json',
    });
  }
}
