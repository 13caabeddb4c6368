/**
 * Dependencies between actors: an actor's dependencies start (in order) before its
 * resources are acquired, and are released (in reverse) after its resources are. A
 * dependency is reference-counted, so the last dependent to stop stops it.
 */
import type { ActorInstance } from './actor.js';
import { DependencyError } from './errors.js';

/** The dependencies one actor holds. */
export class DependencyLinks {
  readonly #path: string;
  readonly #dependencies: readonly ActorInstance[];
  #held: ActorInstance[] | undefined;

  constructor(path: string, dependencies: readonly ActorInstance[]) {
    this.#path = path;
    this.#dependencies = dependencies;
  }

  /**
   * Retains every dependency, starting those not started. Held across a restart, so a
   * restart neither stops nor double-counts them. Throws {@link DependencyError}.
   */
  async start(): Promise<void> {
    if (this.#held !== undefined) return;
    const held: ActorInstance[] = (this.#held = []);
    for (const dependency of this.#dependencies) {
      try {
        await dependency.lc.retain();
      } catch (error) {
        throw new DependencyError(this.#path, dependency.path, error);
      }
      held.push(dependency);
    }
  }

  /** Releases what `start` retained, in reverse order; failures go to `onError`. */
  async release(onError: (error: unknown) => void): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) return;
    for (let i = held.length - 1; i >= 0; i--) {
      await held[i]!.lc.release().catch(onError);
    }
  }
}
