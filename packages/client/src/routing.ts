/**
 * Routing, as Celery 5.2 does it (`celery/app/routes.py`, `celery/app/amqp.py`): a task
 * name is looked up in the routes (exact names, glob patterns or functions; the first
 * match wins), the result is merged under the call's explicit options, the queue name is
 * expanded to its declaration (unknown queues are created as `task_create_missing_queues`
 * does), and the publishing rule picks the exchange and routing key.
 */
import { ExchangeType } from '@celeriac/protocol';
import type { ExchangeSpec, QueueSpec, Route } from '@celeriac/protocol';

/** Where a route sends a task; any field left out comes from the queue or the defaults. */
export interface RouteSpec {
  /** Queue name; declared (with its exchange and binding) before the first publish. */
  queue?: string;
  /** Exchange to publish to; `""` is the default exchange. */
  exchange?: string;
  /** Type of `exchange`, when it is not the queue's own. */
  exchangeType?: ExchangeType;
  routingKey?: string;
  /** Message priority (0..255 on RabbitMQ with `x-max-priority`; 0..9 on Redis). */
  priority?: number;
}

/** A route: a queue name or a {@link RouteSpec}. */
export type RouteTarget = string | RouteSpec;

/** A router function, Celery's callable router: return undefined to pass. */
export type RouterFunction = (
  name: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
) => RouteTarget | undefined;

/**
 * A routes table: task names or glob patterns (`*` any run of characters, dots
 * included, `?` one character, as Python's `fnmatch`) mapped to targets, in insertion
 * order; a router function; or a list of those, tried in order.
 */
export type Routes =
  | Readonly<Record<string, RouteTarget>>
  | RouterFunction
  | readonly (Readonly<Record<string, RouteTarget>> | RouterFunction)[];

/**
 * A queue declaration (Celery's `task_queues` entry, a `kombu.Queue`): the queue's own
 * arguments, plus the exchange it is bound to and the binding key. Without `exchange`
 * the queue is bound to the default exchange of the client (named like the default
 * queue, `celery`) with its own name as the key, as Celery's `Queues._add` does.
 */
export interface QueueDeclaration extends QueueSpec {
  exchange?: string;
  /** Default `direct`. */
  exchangeType?: ExchangeType;
  /** Binding key; default the queue name. Topic keys use `*` and `#`. */
  routingKey?: string;
  /** Exchange durability; default true for direct/topic, false for fanout. */
  exchangeDurable?: boolean;
}

/** A queue with everything resolved: what gets declared before publishing to it. */
export interface ResolvedQueue {
  queue: QueueSpec;
  exchange: ExchangeSpec;
  routingKey: string;
}

/** Where one message goes and what must be declared first. */
export interface Destination {
  route: Route;
  /** The queue the task is meant for (for spans and the result's `queue`). */
  queueName: string | undefined;
  /** Declare these before publishing. */
  declare: ResolvedQueue | undefined;
  /** A named exchange given with its type, declared too when it is not the queue's. */
  exchange: ExchangeSpec | undefined;
  priority: number | undefined;
}

/** The call's explicit routing options (they win over routes, as Celery's `lpmerge`). */
export interface RoutingOptions {
  queue?: string | undefined;
  exchange?: string | undefined;
  exchangeType?: ExchangeType | undefined;
  routingKey?: string | undefined;
  priority?: number | undefined;
}

/** Python's `fnmatch.translate`, for the two wildcards Celery's routes use in practice. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** Compiled form of a routes table; reused for every send. */
export class Router {
  readonly #routers: RouterFunction[];
  readonly #queues = new Map<string, ResolvedQueue>();
  readonly #defaultQueue: string;
  readonly #defaultExchange: string;

  /**
   * @param routes the app-level routes (Celery's `task_routes`)
   * @param queues declared queues (Celery's `task_queues`); default: the default queue
   * @param defaultQueue Celery's `task_default_queue`
   */
  constructor(
    routes: Routes | undefined,
    queues: readonly QueueDeclaration[] | undefined,
    defaultQueue: string,
  ) {
    this.#defaultQueue = defaultQueue;
    this.#defaultExchange = defaultQueue;
    const list = routes === undefined ? [] : Array.isArray(routes) ? routes : [routes];
    this.#routers = (
      list as readonly (Readonly<Record<string, RouteTarget>> | RouterFunction)[]
    ).map((entry) => (typeof entry === 'function' ? entry : compileTable(entry)));
    for (const declaration of queues ?? [{ name: defaultQueue }]) {
      this.#queues.set(declaration.name, this.#resolveDeclaration(declaration));
    }
  }

  /** The resolved declaration of a queue, creating a missing one as Celery does. */
  queue(name: string): ResolvedQueue {
    let resolved = this.#queues.get(name);
    if (!resolved) {
      // `Queues.new_missing`: Queue(name, Exchange(name, 'direct'), routing_key=name).
      resolved = this.#resolveDeclaration({ name, exchange: name });
      this.#queues.set(name, resolved);
    }
    return resolved;
  }

  /** The first matching route for a task, as a spec, or undefined. */
  lookup(
    name: string,
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
  ): RouteSpec | undefined {
    for (const router of this.#routers) {
      const target = router(name, args, kwargs);
      if (target !== undefined && target !== null) {
        return typeof target === 'string' ? { queue: target } : target;
      }
    }
    return undefined;
  }

  /**
   * Merge the route under the explicit options and apply Celery's publishing rule:
   * a direct exchange without both an exchange and a routing key publishes to the
   * default exchange `""` with the queue name as routing key; otherwise to the named
   * exchange (the queue's when none is given) with the given or the queue's key.
   */
  resolve(
    name: string,
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>>,
    explicit: RoutingOptions,
  ): Destination {
    const routed = this.lookup(name, args, kwargs) ?? {};
    const pick = <K extends keyof RoutingOptions>(key: K) => explicit[key] ?? routed[key];
    let queueName = pick('queue');
    let exchange = pick('exchange');
    let routingKey = pick('routingKey');
    if (queueName === undefined && exchange === undefined) queueName = this.#defaultQueue;
    const declare = queueName === undefined ? undefined : this.queue(queueName);
    const exchangeType = pick('exchangeType') ?? declare?.exchange.type ?? ExchangeType.direct;
    let extraExchange: ExchangeSpec | undefined;
    if ((!exchange || !routingKey) && exchangeType === ExchangeType.direct) {
      exchange = '';
      routingKey = queueName ?? '';
    } else {
      exchange ??= declare?.exchange.name ?? this.#defaultExchange;
      routingKey = routingKey || declare?.routingKey || queueName || '';
      if (exchange !== '' && exchange !== declare?.exchange.name && pick('exchangeType')) {
        extraExchange = { name: exchange, type: exchangeType };
      }
    }
    return {
      route: { exchange, routingKey },
      queueName,
      declare,
      exchange: extraExchange,
      priority: pick('priority'),
    };
  }

  #resolveDeclaration(declaration: QueueDeclaration): ResolvedQueue {
    const { exchange, exchangeType, routingKey, exchangeDurable, ...queue } = declaration;
    const type = exchangeType ?? ExchangeType.direct;
    const exchangeSpec: ExchangeSpec = {
      name: exchange || this.#defaultExchange,
      type,
      durable: exchangeDurable ?? type !== ExchangeType.fanout,
    };
    return {
      queue: { durable: true, ...queue },
      exchange: exchangeSpec,
      routingKey: routingKey || queue.name,
    };
  }
}

function compileTable(table: Readonly<Record<string, RouteTarget>>): RouterFunction {
  const entries = Object.entries(table).map(
    ([pattern, target]) =>
      [/[*?]/.test(pattern) ? globToRegExp(pattern) : pattern, target] as const,
  );
  return (name) => {
    for (const [pattern, target] of entries) {
      if (typeof pattern === 'string' ? pattern === name : pattern.test(name)) return target;
    }
    return undefined;
  };
}
