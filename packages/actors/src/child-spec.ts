/**
 * One child of a supervisor: its id, its definition, its kind, its shutdown bound — and
 * the checks a spec passes, at definition and in `addChild`.
 */
import type { ActorDefinition } from './definition.js';
import { ActorDefinitionError } from './errors.js';

/** When a child is restarted. */
export const ChildKind = {
  /** Always restarted: after a crash, and after a stop its supervisor did not ask for. */
  permanent: 'permanent',
  /** Restarted only after a crash. */
  transient: 'transient',
  /** Never restarted; its exit affects no sibling. */
  temporary: 'temporary',
} as const;
/** One of the values of {@link ChildKind}. */
export type ChildKind = (typeof ChildKind)[keyof typeof ChildKind];

/** One child of a supervisor. */
export interface ChildSpec<Id extends string = string> {
  /** Id of the child; its path is the supervisor's path plus this id. */
  readonly id: Id;
  /** What the child is. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any definition fits
  readonly actor: ActorDefinition<any, any, any>;
  /** Default `permanent`. */
  readonly kind?: ChildKind;
  /**
   * How long stopping or restarting this child waits for its step in flight before
   * abandoning it (its resources are still released, in order), in ms. Overrides the
   * child definition's `shutdownTimeoutMs`; like OTP's child `shutdown`.
   */
  readonly shutdownTimeoutMs?: number;
}

/**
 * Checks one child spec; throws {@link ActorDefinitionError} naming the supervisor and
 * what is wrong. `taken` holds the ids already in use.
 */
export function checkChildSpec(where: string, spec: ChildSpec, taken: readonly string[]): void {
  const id: unknown = (spec as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id.length === 0) {
    throw new ActorDefinitionError(
      `${where}: a child id must be a non-empty string, got ${String(id)}`,
    );
  }
  if (id.includes('/')) {
    throw new ActorDefinitionError(
      `${where}: child id "${id}" contains "/", which separates the ids of a tree path`,
    );
  }
  if (taken.includes(id)) throw new ActorDefinitionError(`${where}: duplicate child id "${id}"`);
  if (typeof (spec.actor as { machine?: unknown } | undefined)?.machine !== 'object') {
    throw new ActorDefinitionError(
      `${where}: child "${id}" has no actor definition (use defineActor or defineSupervisor)`,
    );
  }
  if (spec.kind !== undefined && !Object.values(ChildKind).includes(spec.kind)) {
    throw new ActorDefinitionError(
      `${where}: child "${id}" has unknown kind "${String(spec.kind)}"`,
    );
  }
  const ms = spec.shutdownTimeoutMs;
  if (ms !== undefined && !(ms >= 0)) {
    throw new ActorDefinitionError(
      `${where}: child "${id}" shutdownTimeoutMs must be a number of ms >= 0 (or Infinity), got ${String(ms)}`,
    );
  }
}
