/**
 * Key and channel names of kombu's Redis virtual transport (kombu 5.2.4
 * `kombu/transport/redis.py`), with `global_keyprefix` applied as kombu applies it: to
 * every key and to fanout channel names alike.
 */

/** kombu's defaults for the names celeriac shares with Python workers. */
export const KOMBU_DEFAULTS = {
  sep: '\x06\x16',
  prioritySteps: [0, 3, 6, 9] as readonly number[],
  unackedKey: 'unacked',
  unackedIndexKey: 'unacked_index',
  unackedMutexKey: 'unacked_mutex',
  bindingPrefix: '_kombu.binding.',
} as const;

/** One binding as kombu stores it: `<routing_key><sep><pattern><sep><queue>`. */
export interface BindingMember {
  routingKey: string;
  /** Empty for direct and fanout; the regex kombu built from the key for topic. */
  pattern: string;
  queue: string;
}

/** Settings that shape every name; see `RedisTransportOptions`. */
export interface KombuKeysOptions {
  globalKeyprefix: string;
  sep: string;
  prioritySteps: readonly number[];
  unackedKey: string;
  unackedIndexKey: string;
  unackedMutexKey: string;
  /** `true` → `/<db>.`, `false` → none, a string → that prefix (kombu's `fanout_prefix`). */
  fanoutPrefix: boolean | string;
  fanoutPatterns: boolean;
  db: number;
  /**
   * Redis Cluster layout: every key of a queue carries the hash tag `{<queue>}` (lists,
   * and a per-queue `unacked` hash, index and lock), so each script's keys share a slot.
   * Default false: kombu's single-node names, byte for byte.
   */
  cluster?: boolean;
}

/** Names of lists, sets, hashes and channels for one transport's settings. */
export class KombuKeys {
  readonly prefix: string;
  readonly sep: string;
  /** Priority steps, ascending (kombu bisects into them). */
  readonly steps: readonly number[];
  readonly unacked: string;
  readonly unackedIndex: string;
  readonly unackedMutex: string;
  readonly #fanoutPrefix: string;
  readonly #unackedName: string;
  readonly #unackedIndexName: string;
  readonly #unackedMutexName: string;
  readonly #fanoutPatterns: boolean;
  /** Whether names follow the Redis Cluster layout (see {@link KombuKeysOptions.cluster}). */
  readonly cluster: boolean;

  constructor(options: KombuKeysOptions) {
    this.cluster = options.cluster ?? false;
    this.prefix = options.globalKeyprefix;
    this.sep = options.sep;
    this.steps = [...options.prioritySteps].sort((a, b) => a - b);
    if (this.steps[0] !== 0) this.steps = [0, ...this.steps];
    this.#unackedName = options.unackedKey;
    this.#unackedIndexName = options.unackedIndexKey;
    this.#unackedMutexName = options.unackedMutexKey;
    this.unacked = this.prefix + options.unackedKey;
    this.unackedIndex = this.prefix + options.unackedIndexKey;
    this.unackedMutex = this.prefix + options.unackedMutexKey;
    this.#fanoutPrefix =
      options.fanoutPrefix === true
        ? `/${options.db}.`
        : options.fanoutPrefix === false
          ? ''
          : options.fanoutPrefix;
    this.#fanoutPatterns = options.fanoutPatterns;
  }

  /** kombu's `_get_message_priority`: an integer clamped to 0..9, 0 when unusable. */
  static clampPriority(priority: unknown): number {
    const n = typeof priority === 'number' ? priority : Number(priority);
    if (!Number.isFinite(n)) return 0;
    return Math.max(0, Math.min(9, Math.trunc(n)));
  }

  /** The step a priority falls in: the largest step ≤ priority (kombu's `priority()`). */
  step(priority: number): number {
    let chosen = this.steps[0]!;
    for (const step of this.steps) if (step <= priority) chosen = step;
    return chosen;
  }

  /** The list holding `queue`'s messages of `priority` (kombu's `_q_for_pri`), prefixed. */
  queueKey(queue: string, priority = 0): string {
    const step = this.step(KombuKeys.clampPriority(priority));
    const name = this.#queueName(queue);
    return this.prefix + (step ? `${name}${this.sep}${step}` : name);
  }

  /** The queue's name in list keys: `{queue}` on a Cluster (its hash tag). */
  #queueName(queue: string): string {
    return this.cluster ? `{${queue}}` : queue;
  }

  /** The `unacked` hash holding `queue`'s taken messages (one per queue on a Cluster). */
  unackedOf(queue: string): string {
    return this.cluster ? `${this.prefix}{${queue}}.${this.#unackedName}` : this.unacked;
  }

  /** The `unacked_index` sorted set of `queue`'s taken messages. */
  unackedIndexOf(queue: string): string {
    return this.cluster ? `${this.prefix}{${queue}}.${this.#unackedIndexName}` : this.unackedIndex;
  }

  /** The restore lock covering `queue`. */
  unackedMutexOf(queue: string): string {
    return this.cluster ? `${this.prefix}{${queue}}.${this.#unackedMutexName}` : this.unackedMutex;
  }

  /** Every list of a queue, highest served first (step 0 first, as kombu's BRPOP). */
  queueKeys(queue: string): string[] {
    const name = this.#queueName(queue);
    return this.steps.map((step) => this.prefix + (step ? `${name}${this.sep}${step}` : name));
  }

  /** The set of bindings of an exchange. */
  bindingKey(exchange: string): string {
    return `${this.prefix}${KOMBU_DEFAULTS.bindingPrefix}${exchange}`;
  }

  /** A binding set member. */
  bindingMember(member: BindingMember): string {
    return [member.routingKey, member.pattern, member.queue].join(this.sep);
  }

  /** Parse a binding set member; undefined when it is not kombu's three fields. */
  parseBindingMember(raw: string): BindingMember | undefined {
    const parts = raw.split(this.sep);
    if (parts.length !== 3) return undefined;
    return { routingKey: parts[0]!, pattern: parts[1]!, queue: parts[2]! };
  }

  /** The PUBLISH channel of a fanout message (kombu's `_get_publish_topic`), prefixed. */
  fanoutChannel(exchange: string, routingKey: string): string {
    const topic =
      routingKey && this.#fanoutPatterns
        ? `${this.#fanoutPrefix}${exchange}/${routingKey}`
        : `${this.#fanoutPrefix}${exchange}`;
    return this.prefix + topic;
  }

  /**
   * The PSUBSCRIBE patterns of a queue bound to a fanout exchange. kombu subscribes to
   * the publish topic of the binding key with `#` turned into `*`; an empty binding key
   * also gets `<exchange>/*` so that, as on AMQP, it receives whatever key a publisher
   * used (kombu alone would miss messages published with a routing key).
   */
  fanoutPatterns(exchange: string, bindingKey: string): string[] {
    const escapedPrefix = escapeGlob(this.prefix + this.#fanoutPrefix + exchange);
    if (!bindingKey || !this.#fanoutPatterns) {
      return this.#fanoutPatterns ? [escapedPrefix, `${escapedPrefix}/*`] : [escapedPrefix];
    }
    return [`${escapedPrefix}/${bindingKey.replaceAll('#', '*')}`];
  }

  /** The exchange a fanout channel belongs to (kombu's `_receive_one`), or undefined. */
  exchangeOfChannel(channel: string): string | undefined {
    const head = this.prefix + this.#fanoutPrefix;
    if (!channel.startsWith(head)) return undefined;
    return channel.slice(head.length).split('/', 1)[0];
  }
}

/** Escape the glob characters Redis pattern matching gives meaning to. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
