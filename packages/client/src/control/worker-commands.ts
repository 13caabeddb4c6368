/**
 * The commands that change workers, Celery's `app.control.<command>` with its argument
 * names on the wire (`task_name`, `rate_limit`, `n`, `max`/`min`, `queue`, …): casts by
 * default (`reply: false`, resolving with `{}` once published), each worker's
 * `{ok}`/`{error}` with `reply: true`. Built on one `broadcast`.
 */
import type {
  AddConsumerOptions,
  BroadcastCommandOptions,
  BroadcastOptions,
  CommandOptions,
  PoolRestartOptions,
  RevokeCommandOptions,
  TimeLimitOptions,
} from './control-options.js';
import { ControlCommand } from './control-commands.js';
import type { CommandReply, NodeReplies } from './control-replies.js';

/** The changing commands of a control client. */
export interface WorkerCommands {
  revoke(
    taskId: string | readonly string[],
    options?: RevokeCommandOptions,
  ): Promise<NodeReplies<CommandReply>>;
  /** `revoke` with `terminate`: kill the running task (signal name, default SIGTERM). */
  terminate(
    taskId: string | readonly string[],
    options?: CommandOptions & { signal?: string },
  ): Promise<NodeReplies<CommandReply>>;
  /** `'10/s'`, `'100/m'`, a number per second, or null to remove the limit. */
  rateLimit(
    taskName: string,
    rateLimit: string | number | null,
    options?: CommandOptions,
  ): Promise<NodeReplies<CommandReply>>;
  timeLimit(taskName: string, options?: TimeLimitOptions): Promise<NodeReplies<CommandReply>>;
  /** Warm shutdown of the workers (they never reply). */
  shutdown(options?: BroadcastOptions): Promise<void>;
  poolGrow(n?: number, options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
  poolShrink(n?: number, options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
  poolRestart(options?: PoolRestartOptions): Promise<NodeReplies<CommandReply>>;
  autoscale(max: number, min: number, options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
  addConsumer(queue: string, options?: AddConsumerOptions): Promise<NodeReplies<CommandReply>>;
  cancelConsumer(queue: string, options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
  enableEvents(options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
  disableEvents(options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
  /** Ask the workers to send a heartbeat event now (monitors do at start). */
  heartbeat(options?: CommandOptions): Promise<NodeReplies<CommandReply>>;
}

/** {@link WorkerCommands} over an implementation's `broadcast`. */
export abstract class WorkerCommandsBase implements WorkerCommands {
  /** Any command by its wire name. */
  abstract broadcast<T = unknown>(
    command: string,
    options?: BroadcastCommandOptions,
  ): Promise<Record<string, T>>;

  revoke(
    taskId: string | readonly string[],
    options: RevokeCommandOptions = {},
  ): Promise<NodeReplies<CommandReply>> {
    const { terminate = false, signal = 'SIGTERM', ...rest } = options;
    const task_id = typeof taskId === 'string' ? taskId : [...taskId];
    return this.#command(ControlCommand.revoke, { task_id, terminate, signal }, rest);
  }

  terminate(
    taskId: string | readonly string[],
    options: CommandOptions & { signal?: string } = {},
  ): Promise<NodeReplies<CommandReply>> {
    return this.revoke(taskId, { ...options, terminate: true });
  }

  rateLimit(
    taskName: string,
    rateLimit: string | number | null,
    options: CommandOptions = {},
  ): Promise<NodeReplies<CommandReply>> {
    return this.#command(
      ControlCommand.rateLimit,
      { task_name: taskName, rate_limit: rateLimit },
      options,
    );
  }

  timeLimit(taskName: string, options: TimeLimitOptions = {}): Promise<NodeReplies<CommandReply>> {
    const { soft = null, hard = null, ...rest } = options;
    return this.#command(ControlCommand.timeLimit, { task_name: taskName, hard, soft }, rest);
  }

  async shutdown(options: BroadcastOptions = {}): Promise<void> {
    await this.broadcast(ControlCommand.shutdown, { ...options, reply: false });
  }

  poolGrow(n = 1, options: CommandOptions = {}): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.poolGrow, { n }, options);
  }

  poolShrink(n = 1, options: CommandOptions = {}): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.poolShrink, { n }, options);
  }

  poolRestart(options: PoolRestartOptions = {}): Promise<NodeReplies<CommandReply>> {
    const { modules, reload = false, ...rest } = options;
    const args = { modules: modules === undefined ? null : [...modules], reload, reloader: null };
    return this.#command(ControlCommand.poolRestart, args, rest);
  }

  autoscale(
    max: number,
    min: number,
    options: CommandOptions = {},
  ): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.autoscale, { max, min }, options);
  }

  addConsumer(queue: string, options: AddConsumerOptions = {}): Promise<NodeReplies<CommandReply>> {
    const { exchange, exchangeType = 'direct', routingKey, options: extra, ...rest } = options;
    const args = {
      queue,
      exchange: exchange ?? null,
      exchange_type: exchangeType,
      routing_key: routingKey ?? null,
      ...extra,
    };
    return this.#command(ControlCommand.addConsumer, args, rest);
  }

  cancelConsumer(queue: string, options: CommandOptions = {}): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.cancelConsumer, { queue }, options);
  }

  enableEvents(options: CommandOptions = {}): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.enableEvents, {}, options);
  }

  disableEvents(options: CommandOptions = {}): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.disableEvents, {}, options);
  }

  heartbeat(options: CommandOptions = {}): Promise<NodeReplies<CommandReply>> {
    return this.#command(ControlCommand.heartbeat, {}, options);
  }

  #command(
    command: string,
    args: Record<string, unknown>,
    options: CommandOptions,
  ): Promise<NodeReplies<CommandReply>> {
    return this.broadcast(command, { ...options, arguments: args, reply: options.reply ?? false });
  }
}
