/**
 * Declared resources and the scope that holds them (STYLE.md 5): acquired in declaration
 * order with a timeout, released in reverse order, each release run even if another
 * throws, each receiving the exit reason, closing twice harmless. A release is registered
 * only once its acquire has succeeded.
 */
import type { ActorRef } from './actor-ref.js';
import type { Clock } from './clock.js';
import { ResourceAcquireError, ResourceReleaseError, ResourceTimeoutError } from './errors.js';
import type { ExitReason } from './state.js';

/** What `acquire` receives. */
export interface AcquireContext {
  /** Fires when the actor is stopped or crashes while this acquire is in flight. */
  readonly signal: AbortSignal;
  /** The acquiring actor. */
  readonly actor: ActorRef;
}

/** Anything `using`/`await using` can dispose. */
export type Disposable = AsyncDisposable | globalThis.Disposable;

/**
 * A factory whose value disposes itself (`Symbol.asyncDispose` or `Symbol.dispose`);
 * releasing a value that is neither throws.
 */
export type ResourceFactory<T = unknown> = (ctx: AcquireContext) => T | Promise<T>;

/** An explicit acquire/release pair, with an optional per-resource acquire timeout. */
export interface ResourcePair<T = unknown> {
  /** Creates the value. */
  acquire(ctx: AcquireContext): T | Promise<T>;
  /** Releases the value; receives why. Called at most once per successful acquire. */
  release?(value: T, reason: ExitReason): void | Promise<void>;
  /** Acquire timeout in ms; overrides the definition's `resourceTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** One declared resource of value type `T`: a factory of a disposable, or a pair. */
export type ResourceSpec<T = unknown> = ResourceFactory<T> | ResourcePair<T>;

/** The values an actor's resources hold, by name: what `actor.resources` reads. */
export type ResourceMap = Record<string, unknown>;

/** The `resources` field of a definition: one spec per name, acquired in key order. */
export type ResourceSpecs<R extends ResourceMap> = { readonly [K in keyof R]: ResourceSpec<R[K]> };

interface Held {
  readonly name: string;
  readonly value: unknown;
  readonly release: (value: unknown, reason: ExitReason) => void | Promise<void>;
}

function releaserOf(spec: ResourceSpec, name: string): Held['release'] {
  if (typeof spec !== 'function' && spec.release !== undefined) {
    return (value, reason) => spec.release!(value, reason);
  }
  return async (value) => {
    const v = value as Partial<AsyncDisposable & globalThis.Disposable> | null;
    const asyncDispose = v?.[Symbol.asyncDispose];
    const dispose = v?.[Symbol.dispose];
    if (typeof asyncDispose === 'function') {
      await asyncDispose.call(v);
    } else if (typeof dispose === 'function') {
      dispose.call(v);
    } else if (typeof spec === 'function') {
      throw new TypeError(`resource "${name}" is neither AsyncDisposable nor Disposable`);
    }
  };
}

/**
 * The resources of one actor lifetime (one start). Created when resources are acquired,
 * closed once; a restart makes a new scope.
 */
export class ResourceScope {
  /** Acquired values by name; the object behind `actor.resources`. */
  readonly values: Record<string, unknown> = {};
  readonly #held: Held[] = [];
  readonly #abort = new AbortController();
  #acquiring: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  readonly #actor: ActorRef;
  readonly #clock: Clock;

  constructor(actor: ActorRef, clock: Clock) {
    this.#actor = actor;
    this.#clock = clock;
  }

  /** Whether {@link ResourceScope.close} has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Acquires every spec in order. On the first failure releases what was acquired (reason
   * `crash`) and throws {@link ResourceAcquireError} or {@link ResourceTimeoutError}; a
   * release failure on that path is attached as the error's `releaseError`.
   */
  acquire(specs: ResourceSpecs<ResourceMap>, defaultTimeoutMs: number): Promise<void> {
    this.#acquiring = this.#acquireAll(specs, defaultTimeoutMs);
    return this.#acquiring;
  }

  async #acquireAll(specs: ResourceSpecs<ResourceMap>, defaultTimeoutMs: number): Promise<void> {
    const ctx: AcquireContext = { signal: this.#abort.signal, actor: this.#actor };
    for (const name in specs) {
      if (this.#abort.signal.aborted) return;
      const spec = specs[name]!;
      const acquire: ResourceFactory = typeof spec === 'function' ? spec : (c) => spec.acquire(c);
      const timeoutMs =
        (typeof spec === 'function' ? undefined : spec.timeoutMs) ?? defaultTimeoutMs;
      const release = releaserOf(spec, name);
      let value: unknown;
      try {
        value = await this.#withTimeout(name, timeoutMs, acquire(ctx), release);
      } catch (error) {
        const failure =
          error instanceof ResourceTimeoutError
            ? error
            : new ResourceAcquireError(this.#actor.path, name, error);
        await this.#releaseAll('crash').catch((releaseError: unknown) => {
          failure.releaseError = releaseError as ResourceReleaseError;
        });
        throw failure;
      }
      this.#held.push({ name, value, release });
      this.values[name] = value;
    }
  }

  #withTimeout<T>(
    name: string,
    timeoutMs: number,
    work: T | Promise<T>,
    release: Held['release'],
  ): Promise<T> {
    if (!(work instanceof Promise) || !Number.isFinite(timeoutMs)) return Promise.resolve(work);
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        reject(new ResourceTimeoutError(this.#actor.path, name, timeoutMs));
        // A value that arrives after its timeout would leak: release it when it comes.
        work
          .then(
            async (late) => {
              await release(late, 'crash');
            },
            () => undefined,
          )
          .catch(() => undefined);
      }, timeoutMs);
      work.then(
        (value) => {
          this.#clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.#clock.clearTimeout(timer);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the user's error through as thrown
          reject(error);
        },
      );
    });
  }

  /**
   * Releases everything held, in reverse order, once: a second call returns the first
   * call's promise. Waits for an acquire in flight to stop first. Rejects with
   * {@link ResourceReleaseError} when any release threw (after all of them ran).
   */
  close(reason: ExitReason): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      await this.#acquiring?.catch(() => undefined);
      await this.#releaseAll(reason);
    })();
    return this.#closing;
  }

  async #releaseAll(reason: ExitReason): Promise<void> {
    const errors: { resource: string; error: unknown }[] = [];
    for (let held = this.#held.pop(); held !== undefined; held = this.#held.pop()) {
      delete this.values[held.name];
      try {
        await held.release(held.value, reason);
      } catch (error) {
        errors.push({ resource: held.name, error });
      }
    }
    if (errors.length > 0) throw new ResourceReleaseError(this.#actor.path, errors);
  }
}

/**
 * The resources of one actor across its lifetimes: a fresh scope per start, and a release
 * that a restart or a later stop waits for rather than repeats.
 */
export class ResourceHolder {
  #scope: ResourceScope | undefined;
  #releasing: Promise<void> | undefined;

  /** The acquired values, or `undefined` when nothing is held. */
  get values(): Record<string, unknown> | undefined {
    return this.#scope?.values;
  }

  /** Waits for any earlier release, then acquires `specs` in a new scope. */
  async acquire(
    actor: ActorRef,
    clock: Clock,
    specs: ResourceSpecs<ResourceMap>,
    timeoutMs: number,
  ): Promise<void> {
    await this.#releasing?.catch(() => undefined);
    this.#scope = new ResourceScope(actor, clock);
    await this.#scope.acquire(specs, timeoutMs);
  }

  /** Closes the current scope once; rejects with {@link ResourceReleaseError}. */
  async release(reason: ExitReason): Promise<void> {
    const scope = this.#scope;
    if (scope === undefined) {
      await this.#releasing?.catch(() => undefined);
      return;
    }
    this.#scope = undefined;
    this.#releasing = scope.close(reason);
    await this.#releasing;
  }
}
