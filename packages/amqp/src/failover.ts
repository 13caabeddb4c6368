/**
 * The order in which the hosts of a broker URL are tried, on start and on every
 * reconnection: kombu's `failover_strategy`, `round-robin` (in the URL's order, starting
 * after the host just lost) or `shuffle` (a new random order each attempt, which spreads a
 * fleet that lost the same node over the others).
 */
import type { BrokerHost } from './connect-attempt.js';

/** How the hosts of a broker URL are tried; see the module comment. */
export const FailoverStrategy = {
  roundRobin: 'round-robin',
  shuffle: 'shuffle',
} as const;
/** One of the values of {@link FailoverStrategy}. */
export type FailoverStrategy = (typeof FailoverStrategy)[keyof typeof FailoverStrategy];

/** True when `value` names a {@link FailoverStrategy}. */
export function isFailoverStrategy(value: string): value is FailoverStrategy {
  return value === FailoverStrategy.roundRobin || value === FailoverStrategy.shuffle;
}

/** The hosts of one broker URL and which one to try first. */
export class HostRotation {
  readonly hosts: readonly BrokerHost[];
  readonly #strategy: FailoverStrategy;
  readonly #random: () => number;
  /** Where the next round-robin attempt starts. */
  #next = 0;
  #current: number | undefined;

  constructor(hosts: readonly BrokerHost[], strategy: FailoverStrategy, random = Math.random) {
    if (hosts.length === 0) throw new RangeError('a broker URL needs at least one host');
    this.hosts = hosts;
    this.#strategy = strategy;
    this.#random = random;
  }

  /** The hosts in the order of the next attempt. */
  order(): BrokerHost[] {
    const hosts = [...this.hosts];
    if (this.#strategy === FailoverStrategy.shuffle) {
      for (let i = hosts.length - 1; i > 0; i--) {
        const j = Math.floor(this.#random() * (i + 1));
        [hosts[i], hosts[j]] = [hosts[j]!, hosts[i]!];
      }
      return hosts;
    }
    return [...hosts.slice(this.#next), ...hosts.slice(0, this.#next)];
  }

  /** The attempt reached `host`. */
  connected(host: BrokerHost): void {
    const index = this.hosts.indexOf(host);
    this.#current = index < 0 ? undefined : index;
    this.#next = index < 0 ? 0 : index;
  }

  /** The connection to the current host was lost: the next attempt starts after it. */
  lost(): void {
    if (this.#current !== undefined) this.#next = (this.#current + 1) % this.hosts.length;
    this.#current = undefined;
  }
}
